package dev.varco.llm.bench;

import dev.varco.llm.kernels.ParallelLoop;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures this machine's FP32 FMA peak with the same Vector API the kernels use: 12 independent
 * accumulator chains per thread (enough to hide the FMA latency), no memory traffic. The
 * benchmark's "% of peak" divides by this, so the reference is the machine the numbers came from.
 */
public final class FmaPeak {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private FmaPeak() {}

  /** Best of {@code trials} runs, in GFLOP/s (an FMA counts as 2 flops). */
  public static double gflops(ParallelLoop loop, int trials) {
    long iterations = 20_000_000L;
    double best = 0;
    float[] sink = new float[loop.threads()];
    for (int t = 0; t < trials + 1; t++) {
      long start = System.nanoTime();
      loop.run(loop.threads(), (task, worker) -> sink[task] = chains(iterations));
      double seconds = (System.nanoTime() - start) / 1e9;
      double flops = 2.0 * 12 * S.length() * iterations * loop.threads();
      if (t > 0) {
        best = Math.max(best, flops / seconds / 1e9);
      }
    }
    return best;
  }

  private static float chains(long iterations) {
    FloatVector x = FloatVector.broadcast(S, 0.999999f);
    FloatVector y = FloatVector.broadcast(S, 1e-7f);
    FloatVector a0 = x, a1 = x, a2 = x, a3 = x, a4 = x, a5 = x, a6 = x, a7 = x, a8 = x, a9 = x, a10 = x, a11 = x;
    for (long i = 0; i < iterations; i++) {
      a0 = a0.fma(x, y);
      a1 = a1.fma(x, y);
      a2 = a2.fma(x, y);
      a3 = a3.fma(x, y);
      a4 = a4.fma(x, y);
      a5 = a5.fma(x, y);
      a6 = a6.fma(x, y);
      a7 = a7.fma(x, y);
      a8 = a8.fma(x, y);
      a9 = a9.fma(x, y);
      a10 = a10.fma(x, y);
      a11 = a11.fma(x, y);
    }
    return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).lane(0);
  }
}
