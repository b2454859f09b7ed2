package dev.varco.vision.bench;

import dev.varco.model.convert.CheckpointConverter;
import dev.varco.model.convert.ConversionOptions;
import dev.varco.model.manifest.EncoderPrecision;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.manifest.ModelManifestIO;
import dev.varco.model.tiny.TinyCheckpointGenerator;
import dev.varco.model.tiny.TinyModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * A model directory whose vision tower has SigLIP-so400m's shape (image 384, patch 14, hidden
 * 1152, 27 layers, 16 heads, MLP 4304, all 27 layers run) with random weights, made by the same
 * generator and converter as every other model, with the fp32 and int8 encoders. The projector
 * maps to a tiny 64-wide decoder, so the graph's work is the tower's (VARCO's 1152->5120->5120
 * projector would add about 47 GFLOP per tile, 7%).
 */
final class So400mShapedModel {
  static final TinyModelSpec SPEC =
      new TinyModelSpec(384, 14, 1152, 27, 16, 4304, 64, 2, 4, 2, 128, 152064, 32768, 1_000_000.0, -1, 6);
  private static final String MARKER = "bench-model.txt";

  private So400mShapedModel() {}

  /** Reuses {@code dir} when a previous run completed it, else generates and converts (minutes). */
  static ModelManifest prepare(Path dir) throws IOException {
    Path modelDir = dir.resolve("model");
    Path marker = dir.resolve(MARKER);
    if (Files.isRegularFile(marker) && Files.readString(marker).equals(SPEC.toString())) {
      System.out.println("reusing the so400m-shaped model in " + modelDir);
      return ModelManifestIO.read(modelDir);
    }
    Path checkpoint = dir.resolve("hf");
    long started = System.nanoTime();
    System.out.println("generating a random so400m-shaped checkpoint (about 0.8 GB bf16) in " + checkpoint + " ...");
    new TinyCheckpointGenerator(SPEC, 1).generate(checkpoint, 1);
    System.out.printf("generated in %.0f s; converting to fp32 and int8 encoders ...%n", seconds(started));
    long[] lastPercent = {-1};
    ModelManifest manifest = CheckpointConverter.convert(checkpoint, modelDir, "so400m-shaped-bench",
        new ConversionOptions(Set.of(EncoderPrecision.INT8)), (stage, item, percent) -> {
          if ((long) percent / 5 != lastPercent[0]) {
            lastPercent[0] = (long) percent / 5;
            System.out.printf("  [%5.1f%%] %s: %s%n", percent, stage, item);
          }
        });
    Files.writeString(marker, SPEC.toString());
    System.out.printf("model ready in %.0f s%n", seconds(started));
    return manifest;
  }

  /** Multiply-adds x 2 of one tile through the tower: patch conv, then per layer q/k/v/out, MLP, QK^T, PV. */
  static double gflopPerTile() {
    double tokens = SPEC.patchesPerTile();
    double d = SPEC.visionHiddenSize();
    double mlp = SPEC.visionIntermediateSize();
    double patch = tokens * d * 3 * SPEC.patchSize() * SPEC.patchSize();
    double layer = tokens * (4 * d * d + 2 * d * mlp) + 2 * tokens * tokens * d;
    return 2 * (patch + SPEC.visionLayers() * layer) / 1e9;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
