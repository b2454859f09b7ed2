package dev.varco.vision.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.varco.model.onnx.OnnxGraphBuilder;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The machine's practical float32 peak: the best rate of one large ONNX Runtime MatMul (MLAS
 * SGEMM, the kernel the encoder's linears use) on all cores, shaped like the MLP's first linear
 * at batch 4: [2916 x 1152] x [1152 x 4304], 28.9 GFLOP per run. It is a measured rate, not the
 * data sheet's cores x clock x FMA width, so it is what a perfect encoder could reach here.
 * Measured again before every benchmark point, so a point run while other processes took CPU
 * time is compared with the peak of that moment.
 */
final class MatMulPeakRate implements AutoCloseable {
  private static final int M = 4 * 729;
  private static final int K = 1152;
  private static final int N = 4304;

  private final OrtEnvironment env = OrtEnvironment.getEnvironment();
  private final OrtSession session;
  private final OnnxTensor input;

  /** Builds the one-MatMul graph under {@code workDir} and opens it on {@code threads} threads. */
  MatMulPeakRate(Path workDir, int threads) throws IOException, OrtException {
    Path graph = workDir.resolve("matmul-peak.onnx");
    Files.createDirectories(workDir);
    SplittableRandom random = new SplittableRandom(3);
    float[] b = new float[K * N];
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) random.nextGaussian();
    }
    try (OnnxGraphBuilder g = new OnnxGraphBuilder("matmul_peak", workDir.resolve("matmul-peak.onnx.data"))) {
      String a = g.floatInput("a", null, M, K);
      g.namedNode("MatMul", "c", List.of(a, g.weight("b", b, K, N)));
      g.floatOutput("c", null, M, N);
      g.save(graph, "varco-bench");
    }
    float[] a = new float[M * K];
    for (int i = 0; i < a.length; i++) {
      a[i] = (float) random.nextGaussian();
    }
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      session = env.createSession(graph.toString(), options);
    }
    input = OnnxTensor.createTensor(env, FloatBuffer.wrap(a), new long[] {M, K});
  }

  /** FLOP per second, best of {@code runs} after one warm-up. */
  double measure(int runs) throws OrtException {
    double best = Double.MAX_VALUE;
    for (int run = -1; run < runs; run++) {
      long started = System.nanoTime();
      try (OrtSession.Result ignored = session.run(Map.of("a", input))) {
        double seconds = (System.nanoTime() - started) / 1e9;
        if (run >= 0) {
          best = Math.min(best, seconds);
        }
      }
    }
    return 2.0 * M * K * N / best;
  }

  @Override
  public void close() throws OrtException {
    input.close();
    session.close();
  }
}
