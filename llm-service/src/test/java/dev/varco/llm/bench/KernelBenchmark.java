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
 * One weight type per JVM gives the figures a serving process sees (it loads one type).
 * {@code java ... KernelBenchmark [k n rows threads [F32,BF16,Q8,Q4]]}.
 */
public final class KernelBenchmark {
  public static void main(String[] args) {
    int k = args.length > 0 ? Integer.parseInt(args[0]) : 896;
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 4864;
    int rows = args.length > 2 ? Integer.parseInt(args[2]) : 256;
    int threads = args.length > 3 ? Integer.parseInt(args[3]) : Runtime.getRuntime().availableProcessors();
    java.util.List<String> types = java.util.List.of((args.length > 4 ? args[4] : "F32,BF16,Q8,Q4").split(","));
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
        if (!types.contains(typeName(w))) {
          continue;
        }
        Timing prefill = time(6, () -> MatMul.multiply(loop, scratch, a, rows, w, c, n, 0));
        double flops = 2.0 * rows * k * n;
        StringBuilder line = new StringBuilder(String.format("%-10s %d x %d x %d: %.1f GFLOP/s (%.0f%% of peak)",
            w.getClass().getSimpleName(), rows, k, n, flops / prefill.wall / 1e9, 100 * flops / prefill.wall / 1e9 / peak));
        if (threads == 1) {
          line.append(String.format(", %.1f GFLOP/s of CPU time", flops / prefill.cpu / 1e9));
        }
        for (int decodeRows : new int[] {1, 2, 4, 8}) {
          Timing decode = time(20, () -> MatMul.multiply(loop, scratch, a, decodeRows, w, c, n, 0));
          line.append(String.format("; %d row%s: %.3f ms (%.1f GB/s of weights)", decodeRows, decodeRows == 1 ? "" : "s",
              (threads == 1 ? decode.cpu : decode.wall) * 1e3, w.storageBytes() / (threads == 1 ? decode.cpu : decode.wall) / 1e9));
        }
        System.out.println(line);
      }
    }
  }

  /** Best wall-clock and (for the calling thread) CPU seconds of a few runs. */
  record Timing(double wall, double cpu) {}

  static Timing time(int runs, Runnable work) {
    java.lang.management.ThreadMXBean bean = java.lang.management.ManagementFactory.getThreadMXBean();
    double wall = Double.MAX_VALUE;
    double cpu = Double.MAX_VALUE;
    for (int t = 0; t < runs; t++) {
      long cpuStart = bean.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      work.run();
      wall = Math.min(wall, (System.nanoTime() - start) / 1e9);
      cpu = Math.min(cpu, (bean.getCurrentThreadCpuTime() - cpuStart) / 1e9);
    }
    return new Timing(wall, cpu);
  }

  private static String typeName(WeightMatrix w) {
    return switch (w) {
      case F32Matrix m -> "F32";
      case Bf16Matrix m -> "BF16";
      case Q8Matrix m -> "Q8";
      case Q4Matrix m -> "Q4";
    };
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
