package dev.varco.vision.bench;

import dev.varco.model.manifest.EncoderPrecision;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.vision.encoder.EncoderOptions;
import dev.varco.vision.encoder.EncoderSession;
import dev.varco.vision.encoder.ExecutionProvider;
import dev.varco.vision.image.TileBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Milliseconds per 384x384 tile of a SigLIP-so400m-shaped encoder on this machine, for each
 * precision and batch size, next to the floor the measured float32 peak allows. Runs the
 * service's own {@link EncoderSession} (same session tuning as production). Not a test: run it
 * with the command in vision-service/README.md ("Benchmark"). System properties:
 * {@code bench.dir}, {@code bench.batches} (1,4,10), {@code bench.precisions} (fp32,int8),
 * {@code bench.runs} (3, timed runs per point, median reported), {@code bench.warmups} (1),
 * {@code bench.threads} (0 = one per processor), {@code bench.allow-spinning} (false).
 */
public final class EncoderBenchmark {
  private EncoderBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(System.getProperty("bench.dir", "target/bench-so400m")).toAbsolutePath();
    int[] batches = Arrays.stream(System.getProperty("bench.batches", "1,4,10").split(","))
        .mapToInt(s -> Integer.parseInt(s.strip())).toArray();
    List<EncoderPrecision> precisions = new ArrayList<>();
    for (String key : System.getProperty("bench.precisions", "fp32,int8").split(",")) {
      precisions.add(EncoderPrecision.valueOf(key.strip().toUpperCase(Locale.ROOT)));
    }
    int runs = Integer.getInteger("bench.runs", 3);
    int warmups = Integer.getInteger("bench.warmups", 1);
    int threads = Integer.getInteger("bench.threads", 0);
    boolean spinning = Boolean.parseBoolean(System.getProperty("bench.allow-spinning", "false"));
    int effectiveThreads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();

    System.out.printf("SigLIP-so400m-shaped encoder benchmark: %d processors, %d intra-op threads, spinning %s%n",
        Runtime.getRuntime().availableProcessors(), effectiveThreads, spinning);
    ModelManifest manifest = So400mShapedModel.prepare(dir);

    double gflop = So400mShapedModel.gflopPerTile();
    System.out.printf("%.1f GFLOP per tile; float32 peak = best ONNX Runtime MatMul 2916x1152x4304, measured before"
        + " every point%n", gflop);
    double bestPeak = 0;
    List<String> rows = new ArrayList<>();
    try (MatMulPeakRate peakRate = new MatMulPeakRate(dir.resolve("peak"), effectiveThreads)) {
      for (EncoderPrecision precision : precisions) {
        for (int batch : batches) {
          double peak = peakRate.measure(5);
          bestPeak = Math.max(bestPeak, peak);
          double floorMs = gflop * 1e9 / peak * 1000;
          System.out.printf("%s batch %d: float32 peak now %.1f GFLOP/s (floor %.0f ms/tile, load average %s); loading ...%n",
              precision.key(), batch, peak / 1e9, floorMs, loadAverage());
          EncoderOptions options = new EncoderOptions(ExecutionProvider.CPU, threads, batch, precision, spinning);
          try (EncoderSession session = EncoderSession.open(dir.resolve("model"), manifest.vision(), options)) {
            TileBatch tiles = randomTiles(batch, manifest.vision().imageSize());
            double[] msPerTile = new double[runs];
            for (int run = -warmups; run < runs; run++) {
              long started = System.nanoTime();
              session.encode(tiles);
              double ms = (System.nanoTime() - started) / 1e6 / batch;
              System.out.printf("  %s %d: %.0f ms/tile%n", run < 0 ? "warm-up" : "run", run < 0 ? run + warmups + 1 : run + 1,
                  ms);
              if (run >= 0) {
                msPerTile[run] = ms;
              }
            }
            Arrays.sort(msPerTile);
            double median = msPerTile[runs / 2];
            rows.add(String.format("| %s | %d | %.0f | %.0f | %.1f | %.0f | %.0f%% |", precision.key(), batch, median,
                msPerTile[0], peak / 1e9, floorMs, 100 * floorMs / median));
          }
        }
      }
    }
    System.out.printf("%nbest float32 peak seen: %.1f GFLOP/s -> floor %.0f ms per tile; load average at the end %s%n",
        bestPeak / 1e9, gflop * 1e9 / bestPeak * 1000, loadAverage());
    System.out.println("| precision | batch | ms/tile (median) | ms/tile (best) | fp32 peak GFLOP/s | floor ms/tile | floor/median |");
    System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
    rows.forEach(System.out::println);
  }

  /** The 1, 5 and 15 minute load averages: how much else ran on the cores meanwhile. */
  private static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static TileBatch randomTiles(int count, int size) {
    SplittableRandom random = new SplittableRandom(17);
    float[] pixels = new float[count * 3 * size * size];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = (float) (random.nextDouble() * 2 - 1);
    }
    return new TileBatch(pixels, count, size);
  }
}
