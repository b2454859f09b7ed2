package dev.varco.llm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * Lane sums in one fixed order, and the matmul tiles' packed reductions giving, bit for bit, the
 * sums of reducing each accumulator alone: the property that makes a row's result independent of
 * the tile it falls in. Values spread over many magnitudes, so a different order of additions
 * would show in the bits.
 */
class LaneSumsTest {
  private static final int LANES = LaneSums.LANES;

  @Test
  void sumsTheLanesInTheFixedHalvingOrder() {
    SplittableRandom random = new SplittableRandom(3);
    for (int trial = 0; trial < 10_000; trial++) {
      float[] lanes = randomLanes(random);
      float expected = halvingSum(lanes.clone());
      assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(LaneSums.sum(vector(lanes))), "trial " + trial);
      assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(LaneSums.sumStored(lanes.clone(), 0)));
    }
  }

  /**
   * The tiles' packed reductions, through the real kernels: every output of {@link MatMul#multiply}
   * equals {@link MatMul#dot} (FMAs along K, then {@link LaneSums#sum}) bit for bit, for row counts
   * that take the 1 x 4 and 4 x 4 tiles on small panels, BF16, Q8 and Q4 widened in registers, and
   * L2 panels. For Q8 and Q4 the reference is the dot product with the weights their panels hold.
   */
  @Test
  void everyTileReducesAsEachSumAlone() {
    SplittableRandom random = new SplittableRandom(5);
    int k = 896;
    int n = 46; // not a multiple of the tile: the leftover rows take the single-dot path
    float[] weights = new float[n * k];
    short[] bf16 = new short[n * k];
    for (int i = 0; i < weights.length; i++) {
      bf16[i] = (short) (Float.floatToIntBits(randomLanes(random)[0]) >>> 16);
      weights[i] = Float.intBitsToFloat(bf16[i] << 16);
    }
    int maxRows = 13;
    float[] a = new float[maxRows * k];
    for (int i = 0; i < a.length; i++) {
      a[i] = randomLanes(random)[0];
    }
    try (Arena arena = Arena.ofShared(); ParallelLoop loop = new ParallelLoop(2)) {
      MemorySegment f32Data = arena.allocate((long) weights.length * 4);
      MemorySegment bf16Data = arena.allocate((long) bf16.length * 2);
      for (int i = 0; i < weights.length; i++) {
        f32Data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, weights[i]);
        bf16Data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, bf16[i]);
      }
      MatMul.Scratch scratch = new MatMul.Scratch(loop);
      WeightMatrix[] matrices = {new F32Matrix(f32Data, n, k), new Bf16Matrix(bf16Data, n, k),
          new Q8Matrix(randomBytes(arena, random, n * k), randomScales(arena, random, n * k / 32), n, k),
          new Q4Matrix(randomBytes(arena, random, n * k / 2), randomScales(arena, random, n * k / 32), n, k)};
      for (WeightMatrix w : matrices) {
        if (!(w instanceof F32Matrix) && !(w instanceof Bf16Matrix)) {
          w.unpackRows(0, n, weights);
        }
        for (int rows : new int[] {1, 2, 3, 4, 8, maxRows}) {
          float[] c = new float[rows * n];
          MatMul.multiply(loop, scratch, a, rows, w, c, n, 0);
          for (int m = 0; m < rows; m++) {
            for (int j = 0; j < n; j++) {
              float expected = MatMul.dot(a, m * k, weights, j * k, k);
              assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(c[m * n + j]),
                  w.getClass().getSimpleName() + ", " + rows + " rows: output (" + m + ", " + j + ")");
            }
          }
        }
      }
    }
  }

  private static MemorySegment randomBytes(Arena arena, SplittableRandom random, int count) {
    MemorySegment bytes = arena.allocate(count);
    for (int i = 0; i < count; i++) {
      bytes.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt(256));
    }
    return bytes;
  }

  /** Block scales over many magnitudes, so each block's products differ in exponent. */
  private static MemorySegment randomScales(Arena arena, SplittableRandom random, int count) {
    MemorySegment scales = arena.allocate(4L * count);
    for (int i = 0; i < count; i++) {
      scales.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i,
          (float) (random.nextDouble(0.5, 2) * Math.pow(10, random.nextInt(-4, 5))));
    }
    return scales;
  }

  private static float[] randomLanes(SplittableRandom random) {
    float[] lanes = new float[LANES];
    for (int i = 0; i < LANES; i++) {
      lanes[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-6, 7)));
    }
    return lanes;
  }

  private static FloatVector vector(float[] lanes) {
    return FloatVector.fromArray(LaneSums.S, lanes, 0);
  }

  /** The reference order, written out: lane i + lane i + width, width halving from L/2 to 1. */
  private static float halvingSum(float[] v) {
    for (int width = v.length / 2; width >= 1; width /= 2) {
      for (int i = 0; i < width; i++) {
        v[i] = v[i] + v[i + width];
      }
    }
    return v[0];
  }
}
