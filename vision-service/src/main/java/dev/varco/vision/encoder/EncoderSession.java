package dev.varco.vision.encoder;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.varco.model.manifest.EncoderPrecision;
import dev.varco.model.manifest.InvalidModelDirectoryException;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.vision.image.TileBatch;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
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

  /**
   * Opens the encoder graph of {@code options.precision()} on the configured execution provider.
   *
   * @throws InvalidModelDirectoryException when the graph is missing or does not load
   * @throws ExecutionProviderUnavailableException when {@code cuda} is configured and cannot load
   */
  public static EncoderSession open(Path modelDir, ModelManifest.Vision vision, EncoderOptions options) {
    Path graph = modelDir.resolve(graphFile(vision, options.precision()));
    if (!Files.isRegularFile(graph)) {
      throw new InvalidModelDirectoryException("encoder graph " + graph + " (" + options.precision().key()
          + ") does not exist");
    }
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    try {
      EncoderSession encoder = open(environment, graph, vision, options, options.executionProvider());
      // Null: auto chose CUDA, which loaded but could not start a session (no device, old driver).
      return encoder != null ? encoder : open(environment, graph, vision, options, ExecutionProvider.CPU);
    } catch (OrtException e) {
      throw new InvalidModelDirectoryException("cannot load encoder " + graph + ": " + e.getMessage());
    }
  }

  /** The session on {@code requested}; null when auto's CUDA session failed to start (caller retries on CPU). */
  private static EncoderSession open(OrtEnvironment environment, Path graph, ModelManifest.Vision vision,
      EncoderOptions options, ExecutionProvider requested) throws OrtException {
    try (OrtSession.SessionOptions sessionOptions = new OrtSession.SessionOptions()) {
      // Tuned for one graph run at a time on all cores: every core
      // inside the run's operators, none across operators; ALL also fuses the int8 linears.
      sessionOptions.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      sessionOptions.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
      sessionOptions.setInterOpNumThreads(1);
      sessionOptions.setIntraOpNumThreads(options.effectiveIntraOpThreads());
      sessionOptions.setCPUArenaAllocator(true);
      sessionOptions.addConfigEntry("session.intra_op.allow_spinning", options.allowSpinning() ? "1" : "0");
      ExecutionProviderSelector.Selection provider = ExecutionProviderSelector.apply(requested, sessionOptions);
      if (requested != provider.provider()) {
        LOG.infof("execution provider %s: running the encoder on %s, %s",
            requested.name().toLowerCase(Locale.ROOT), provider.provider().name(), provider.reason());
      }
      long started = System.nanoTime();
      OrtSession session;
      try {
        // Created from the file path so the graph's external weight data resolves next to it.
        session = environment.createSession(graph.toString(), sessionOptions);
      } catch (OrtException e) {
        if (requested == ExecutionProvider.AUTO && provider.provider() == ExecutionProvider.CUDA) {
          LOG.infof("execution provider auto: running the encoder on CPU, the CUDA session failed (%s)", e.getMessage());
          return null;
        }
        throw e;
      }
      EncoderSession encoder = new EncoderSession(environment, session, vision, options.batchSize());
      encoder.checkSignature();
      LOG.infof("encoder %s (%s) loaded on %s with %d intra-op threads in %d ms (inputs %s, outputs %s)", graph,
          options.precision().key(), provider.provider().name(), options.effectiveIntraOpThreads(),
          (System.nanoTime() - started) / 1_000_000, session.getInputNames(), session.getOutputNames());
      return encoder;
    }
  }

  /** The manifest's graph for {@code precision}, or an error naming the converter option that writes it. */
  static String graphFile(ModelManifest.Vision vision, EncoderPrecision precision) {
    return vision.encoder(precision).orElseThrow(() -> new InvalidModelDirectoryException(
        "varco.vision.encoder-precision=" + precision.key() + ", but the model directory has no " + precision.key()
            + " encoder (manifest vision.encoder_variants: " + vision.encoderVariants().keySet()
            + "); convert the checkpoint with --encoder-variants " + precision.key() + ", or use fp32"));
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
