package dev.varco.model.convert;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.varco.model.manifest.ModelManifest;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

/** Runs an exported encoder graph on ONNX Runtime (CPU) the way the service does. */
final class EncoderGraphRun {
  private EncoderGraphRun() {}

  /** Random tiles already normalized to [-1, 1] (mean 0.5, std 0.5), {@code [batch][3][S][S]}. */
  static float[][][][] randomTiles(int batch, int size, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[][][][] pixels = new float[batch][3][size][size];
    for (float[][][] image : pixels) {
      for (float[][] channel : image) {
        for (float[] row : channel) {
          for (int x = 0; x < size; x++) {
            row[x] = (float) (random.nextDouble() * 2 - 1);
          }
        }
      }
    }
    return pixels;
  }

  /** The graph's output for {@code tiles}, checked to be {@code [batch, tokens, hidden]}, flattened. */
  static float[] features(Path graph, ModelManifest.Vision vision, float[][][][] tiles, Path optimizedModel)
      throws OrtException {
    int batch = tiles.length;
    int size = vision.imageSize();
    FloatBuffer input = FloatBuffer.allocate(batch * 3 * size * size);
    for (float[][][] image : tiles) {
      for (float[][] channel : image) {
        for (float[] row : channel) {
          input.put(row);
        }
      }
    }
    input.flip();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      if (optimizedModel != null) {
        options.setOptimizedModelFilePath(optimizedModel.toString());
      }
      try (OrtSession session = env.createSession(graph.toString(), options);
          OnnxTensor tensor = OnnxTensor.createTensor(env, input, new long[] {batch, 3, size, size});
          OrtSession.Result result = session.run(Map.of(vision.encoderInput(), tensor))) {
        OnnxTensor output = (OnnxTensor) result.get(vision.encoderOutput()).orElseThrow();
        long[] shape = output.getInfo().getShape();
        if (shape.length != 3 || shape[0] != batch || shape[1] != vision.tokensPerTile()
            || shape[2] != vision.hiddenSize()) {
          throw new AssertionError("encoder output shape " + java.util.Arrays.toString(shape));
        }
        FloatBuffer values = output.getFloatBuffer();
        float[] features = new float[values.remaining()];
        values.get(features);
        return features;
      }
    }
  }
}
