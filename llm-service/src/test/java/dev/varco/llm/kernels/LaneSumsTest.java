package dev.varco.llm.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The packed reductions of a tile's accumulators give, bit for bit, the sums of reducing each
 * accumulator alone: the property that makes a row's result independent of the tile it falls in.
 * Lanes spread over many magnitudes, so a different order of additions would show in the bits.
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

  @Test
  void packedTileSumsEqualEachSumAlone() {
    assumeTrue(LaneSums.PACKED, "packed reductions exist for 16-lane vectors only");
    SplittableRandom random = new SplittableRandom(5);
    for (int trial = 0; trial < 5_000; trial++) {
      FloatVector[] c = new FloatVector[16];
      for (int i = 0; i < c.length; i++) {
        c[i] = vector(randomLanes(random));
      }
      FloatVector tile = LaneSums.sum4x4(
          c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14], c[15]);
      for (int i = 0; i < c.length; i++) {
        assertEquals(Float.floatToIntBits(LaneSums.sum(c[i])), Float.floatToIntBits(tile.lane(i)), "accumulator " + i);
      }
      FloatVector four = LaneSums.sum4(c[0], c[1], c[2], c[3]);
      for (int j = 0; j < 4; j++) {
        assertEquals(Float.floatToIntBits(LaneSums.sum(c[j])), Float.floatToIntBits(four.lane(4 * j)), "accumulator " + j);
      }
    }
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
