package dev.varco.vision.encoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.varco.model.manifest.InvalidModelDirectoryException;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.vision.image.TileBatch;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The SigLIP tower + projector graph in ONNX Runtime: normalised tiles in, one row of projected
 * features per patch out ({@code [N, tokens_per_tile, hidden_size]}). Tensor names and sizes come
 * from the manifest and are checked against the graph when the session opens.
 *
 * <p>One graph run at a time: callers serialise (the engine's single worker does).
 */
public final class EncoderSession implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(EncoderSession.class);

  private final OrtEnvironment environment;
  private final OrtSession session;
  private final String inputName;
  private final String outputName;
  private final int tokensPerTile;
  private final int hiddenSize;
  private final int batchSize;

  private EncoderSession(OrtEnvironment environment, OrtSession session, ModelManifest.Vision vision, int batchSize) {
    this.environment = environment;
    this.session = session;
    this.inputName = vision.encoderInput();
    this.outputName = vision.encoderOutput();
    this.tokensPerTile = vision.tokensPerTile();
    this.hiddenSize = vision.hiddenSize();
    this.batchSize = batchSize;
  }

  public static EncoderSession open(Path modelDir, ModelManifest.Vision vision, EncoderOptions options) {
    Path graph = modelDir.resolve(vision.encoder());
    if (!Files.isRegularFile(graph)) {
      throw new InvalidModelDirectoryException("vision.encoder " + graph + " does not exist");
    }
    if (options.executionProvider() == ExecutionProvider.AUTO) {
      LOG.info("execution provider auto: this build carries the CPU provider only, encoding on CPU");
    }
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions()) {
      sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      sessionOptions.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      sessionOptions.setInterOpNumThreads(1);
      if (options.intraOpThreads() > 0) {
        sessionOptions.setIntraOpNumThreads(options.intraOpThreads());
      }
      // The service shares its cores with request handling: idle ORT threads must not spin.
      sessionOptions.addConfigEntry("session.intra_op.allow_spinning", "0");
      long started = System.nanoTime();
      // Created from the file path so the graph's external weight data resolves next to it.
      OrtSession session = environment.createSession(graph.toString(), sessionOptions);
      EncoderSession encoder = new EncoderSession(environment, session, vision, options.batchSize());
      encoder.checkSignature();
      LOG.infof("encoder %s loaded in %d ms (inputs %s, outputs %s)", graph, (System.nanoTime() - started) / 1_000_000,
          session.getInputNames(), session.getOutputNames());
      return encoder;
    } catch (OrtException e) {
      throw new InvalidModelDirectoryException("cannot load encoder " + graph + ": " + e.getMessage());
    }
  }

  private void checkSignature() {
    try {
      if (!session.getInputNames().contains(inputName) || !session.getOutputNames().contains(outputName)) {
        session.close();
        throw new InvalidModelDirectoryException(
            "encoder graph has inputs " + session.getInputNames() + " and outputs " + session.getOutputNames()
                + ", the manifest names '" + inputName + "' -> '" + outputName + "'");
      }
    } catch (OrtException e) {
      throw new InvalidModelDirectoryException("cannot inspect encoder graph: " + e.getMessage());
    }
  }

  public int tokensPerTile() {
    return tokensPerTile;
  }

  public int hiddenSize() {
    return hiddenSize;
  }

  /** Features of every tile, {@code [tiles.count, tokensPerTile, hiddenSize]} flattened. */
  public float[] encode(TileBatch tiles) {
    int rowFloats = tokensPerTile * hiddenSize;
    float[] features = new float[tiles.count() * rowFloats];
    for (int start = 0; start < tiles.count(); start += batchSize) {
      int count = Math.min(batchSize, tiles.count() - start);
      long[] shape = {count, 3, tiles.size(), tiles.size()};
      FloatBuffer pixels =
          FloatBuffer.wrap(tiles.pixelValues(), start * tiles.floatsPerTile(), count * tiles.floatsPerTile()).slice();
      try (OnnxTensor input = OnnxTensor.createTensor(environment, pixels, shape);
          OrtSession.Result result = session.run(Map.of(inputName, input), Set.of(outputName))) {
        OnnxTensor output = (OnnxTensor) result.get(outputName).orElseThrow();
        long[] outShape = output.getInfo().getShape();
        if (!Arrays.equals(outShape, new long[] {count, tokensPerTile, hiddenSize})) {
          throw new IllegalStateException(
              "encoder returned shape " + Arrays.toString(outShape) + ", the manifest promises [" + count + ", "
                  + tokensPerTile + ", " + hiddenSize + "]");
        }
        output.getFloatBuffer().get(features, start * rowFloats, count * rowFloats);
      } catch (OrtException e) {
        throw new IllegalStateException("encoder run failed: " + e.getMessage(), e);
      }
    }
    return features;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      LOG.warn("closing the encoder session failed", e);
    }
  }
}
