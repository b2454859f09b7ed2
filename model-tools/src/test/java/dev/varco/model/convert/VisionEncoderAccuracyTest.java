package dev.varco.model.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.safetensors.SafetensorsCheckpoint;
import dev.varco.model.tiny.TinyCheckpointGenerator;
import dev.varco.model.tiny.TinyModelSpec;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported float32 encoder, run on ONNX Runtime, against the independent double-precision
 * reference forward pass ({@link SiglipProjectorReference}), on the tiny checkpoint and on a
 * wider one whose attention and MLP have so400m's proportions.
 */
class VisionEncoderAccuracyTest {
  /** Largest relative error (L2 and max) accepted between the float32 graph and the reference. */
  static final double FLOAT32_TOLERANCE = 1e-4;

  /**
   * Wider than the tiny model: hidden 576 in 8 heads of 72 (so400m's head size), MLP 2152
   * (so400m's 4304/1152 ratio), 2 of 3 layers run (feature layer -2); small decoder.
   */
  static final TinyModelSpec WIDE = new TinyModelSpec(384, 14, 576, 3, 8, 2152, 64, 2, 4, 2, 128, 152064, 32768,
      1_000_000.0, -2, 6);

  @TempDir Path work;

  @Test
  void tinyCheckpointMatchesTheHuggingFaceDefinitionsInFloat32() throws Exception {
    assertMatchesReference(TinyModelSpec.DEFAULT, 7, 2);
  }

  @Test
  void wideCheckpointMatchesTheHuggingFaceDefinitionsInFloat32() throws Exception {
    assertMatchesReference(WIDE, 11, 1);
  }

  private void assertMatchesReference(TinyModelSpec spec, long seed, int batch) throws Exception {
    Path checkpoint = work.resolve("hf");
    new TinyCheckpointGenerator(spec, seed).generate(checkpoint, 1);
    Path modelDir = work.resolve("model");
    ModelManifest manifest = CheckpointConverter.convert(checkpoint, modelDir, null, ConversionListener.SILENT);
    ModelManifest.Vision vision = manifest.vision();
    assertEquals(729, vision.tokensPerTile());

    float[][][][] tiles = EncoderGraphRun.randomTiles(batch, vision.imageSize(), 42);
    float[] actual = EncoderGraphRun.features(modelDir.resolve(vision.encoder()), vision, tiles, null);
    try (SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(checkpoint)) {
      SiglipProjectorReference reference = new SiglipProjectorReference(checkpoint, weights);
      for (int image = 0; image < batch; image++) {
        FeatureDifference difference = FeatureDifference.of(actual,
            image * vision.tokensPerTile() * vision.hiddenSize(), reference.features(tiles[image]));
        System.out.println("float32 encoder vs reference, vision hidden " + spec.visionHiddenSize() + ", image "
            + image + ": " + difference);
        assertTrue(difference.relativeL2() < FLOAT32_TOLERANCE && difference.maxRelative() < FLOAT32_TOLERANCE,
            "vision hidden " + spec.visionHiddenSize() + ", image " + image + ": " + difference);
      }
    }
  }
}
