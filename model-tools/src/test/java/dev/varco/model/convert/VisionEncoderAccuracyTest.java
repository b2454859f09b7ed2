package dev.varco.model.convert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.safetensors.SafetensorsCheckpoint;
import dev.varco.model.tiny.TinyCheckpointGenerator;
import dev.varco.model.tiny.TinyModelSpec;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported encoder, run on ONNX Runtime, against the independent reference forward pass. */
class VisionEncoderAccuracyTest {
  @TempDir Path work;

  @Test
  void onnxEncoderMatchesTheHuggingFaceDefinitionsInFloat32() throws Exception {
    Path checkpoint = work.resolve("hf");
    new TinyCheckpointGenerator(TinyModelSpec.DEFAULT, 7).generate(checkpoint, 1);
    ModelManifest manifest = CheckpointConverter.convert(checkpoint, work.resolve("model"), null,
        ConversionListener.SILENT);

    int batch = 2;
    int size = manifest.vision().imageSize();
    float[][][][] pixels = new float[batch][3][size][size];
    FloatBuffer input = FloatBuffer.allocate(batch * 3 * size * size);
    SplittableRandom random = new SplittableRandom(42);
    for (float[][][] image : pixels) {
      for (float[][] channel : image) {
        for (float[] row : channel) {
          for (int x = 0; x < size; x++) {
            row[x] = (float) (random.nextDouble() * 2 - 1); // already normalized: mean 0.5, std 0.5
            input.put(row[x]);
          }
        }
      }
    }
    input.flip();

    OrtEnvironment env = OrtEnvironment.getEnvironment();
    float[] actual;
    long[] shape;
    try (OrtSession session = env.createSession(
            work.resolve("model").resolve(manifest.vision().encoder()).toString(), new OrtSession.SessionOptions());
        OnnxTensor tensor = OnnxTensor.createTensor(env, input, new long[] {batch, 3, size, size});
        OrtSession.Result result = session.run(Map.of(manifest.vision().encoderInput(), tensor))) {
      OnnxTensor output = (OnnxTensor) result.get(manifest.vision().encoderOutput()).orElseThrow();
      shape = output.getInfo().getShape();
      FloatBuffer values = output.getFloatBuffer();
      actual = new float[values.remaining()];
      values.get(actual);
    }
    int tokens = manifest.vision().tokensPerTile();
    int hidden = manifest.vision().hiddenSize();
    assertArrayEquals(new long[] {batch, tokens, hidden}, shape);
    assertEquals(729, tokens);

    try (SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(checkpoint)) {
      SiglipProjectorReference reference = new SiglipProjectorReference(checkpoint, weights);
      for (int image = 0; image < batch; image++) {
        double[][] expected = reference.features(pixels[image]);
        double diffSquares = 0;
        double refSquares = 0;
        double maxDiff = 0;
        double maxRef = 0;
        for (int t = 0; t < tokens; t++) {
          for (int i = 0; i < hidden; i++) {
            double a = actual[(image * tokens + t) * hidden + i];
            double e = expected[t][i];
            diffSquares += (a - e) * (a - e);
            refSquares += e * e;
            maxDiff = Math.max(maxDiff, Math.abs(a - e));
            maxRef = Math.max(maxRef, Math.abs(e));
          }
        }
        double relativeL2 = Math.sqrt(diffSquares / refSquares);
        assertTrue(refSquares > 0, "reference features are all zero");
        assertTrue(relativeL2 < 1e-4, "image " + image + ": relative L2 error " + relativeL2);
        assertTrue(maxDiff / maxRef < 1e-4, "image " + image + ": max error " + maxDiff + " of " + maxRef);
      }
    }
  }
}
