package dev.varco.llm.bench;

import dev.varco.llm.kernels.Bf16Matrix;
import dev.varco.llm.kernels.F32Matrix;
import dev.varco.llm.kernels.MatMul;
import dev.varco.llm.kernels.ParallelLoop;
import dev.varco.llm.kernels.Q4Matrix;
import dev.varco.llm.kernels.Q8Matrix;
import dev.varco.llm.kernels.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;

/**
 * The matmul kernel alone, per weight format: GFLOP/s for a prefill chunk (many rows) against the
 * FMA peak, and the read rate of a one-row (decode) product against the weights' bytes.
 * {@code java ... KernelBenchmark [k n rows threads]}.
 */
public final class KernelBenchmark {
  public static void main(String[] args) {
    int k = args.length > 0 ? Integer.parseInt(args[0]) : 896;
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 4864;
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
    try (ParallelLoop loop = new ParallelLoop(threads); Arena arena = Arena.ofShared()) {
      double peak = FmaPeak.gflops(loop, 3);
      System.out.printf("FMA peak (%d threads): %.1f GFLOP/s%n", threads, peak);
      SplittableRandom random = new SplittableRandom(1);
      float[] a = new float[rows * k];
      for (int i = 0; i < a.length; i++) {
        a[i] = (float) random.nextGaussian();
      }
      float[] c = new float[rows * n];
      MatMul.Scratch scratch = new MatMul.Scratch(loop);
      for (WeightMatrix w : matrices(arena, n, k, random)) {
        double flops = 2.0 * rows * k * n;
        double best = Double.MAX_VALUE;
        for (int t = 0; t < 6; t++) {
          long start = System.nanoTime();
          MatMul.multiply(loop, scratch, a, rows, w, c, n, 0);
          best = Math.min(best, (System.nanoTime() - start) / 1e9);
        }
        double decode = Double.MAX_VALUE;
        for (int t = 0; t < 20; t++) {
          long start = System.nanoTime();
          MatMul.multiply(loop, scratch, a, 1, w, c, n, 0);
          decode = Math.min(decode, (System.nanoTime() - start) / 1e9);
        }
        System.out.printf("%-10s %d x %d x %d: %.1f GFLOP/s (%.0f%% of peak); 1 row: %.2f ms, %.1f GB/s of weights%n",
            w.getClass().getSimpleName(), rows, k, n, flops / best / 1e9, 100 * flops / best / 1e9 / peak,
            decode * 1e3, w.storageBytes() / decode / 1e9);
      }
    }
  }

  static WeightMatrix[] matrices(Arena arena, int n, int k, SplittableRandom random) {
    long count = (long) n * k;
    MemorySegment f32 = arena.allocate(count * 4, 64);
    MemorySegment bf16 = arena.allocate(count * 2, 64);
    MemorySegment q8 = arena.allocate(count, 64);
    MemorySegment q4 = arena.allocate(count / 2, 64);
    MemorySegment scales = arena.allocate(count / 32 * 4, 64);
    for (long i = 0; i < count; i++) {
      float v = (float) random.nextGaussian() * 0.02f;
      f32.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, v);
      bf16.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) (Float.floatToIntBits(v) >>> 16));
      q8.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt(-127, 128));
    }
    for (long i = 0; i < count / 2; i++) {
      q4.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt(256));
    }
    for (long i = 0; i < count / 32; i++) {
      scales.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, 0.001f);
    }
    return new WeightMatrix[] {
      new F32Matrix(f32, n, k), new Bf16Matrix(bf16, n, k), new Q8Matrix(q8, scales, n, k), new Q4Matrix(q4, scales, n, k)
    };
  }
}
