package dev.varco.vision.engine;

import dev.varco.model.manifest.ModelManifest;
import dev.varco.vision.encoder.EncoderOptions;
import dev.varco.vision.encoder.EncoderSession;
import dev.varco.vision.encoder.FeaturePacker;
import dev.varco.vision.encoder.Float16Encoding;
import dev.varco.vision.encoder.ImageNewline;
import dev.varco.vision.image.AnyresGeometry;
import dev.varco.vision.image.AnyresPlan;
import dev.varco.vision.image.AnyresPlanner;
import dev.varco.vision.image.AnyresTiler;
import dev.varco.vision.image.DecodeCutoff;
import dev.varco.vision.image.ImageDecoder;
import dev.varco.vision.image.ImageLimits;
import dev.varco.vision.image.PixelNormalization;
import dev.varco.vision.image.RgbImage;
import java.nio.file.Path;

/**
 * One model's path from image bytes to packed embeddings, in the three steps the engine runs on
 * different threads: {@link #prepare} (decode, plan, tile; thread-safe), the encoder (one thread
 * only: the {@link TileBatcher}'s), and {@link #pack} (thread-safe).
 */
public final class VisionPipeline implements AutoCloseable {
  private final ImageDecoder decoder;
  private final AnyresPlanner planner;
  private final AnyresTiler tiler;
  private final EncoderSession encoder;
  private final FeaturePacker packer;
  private final String configDigest;

  private VisionPipeline(ImageDecoder decoder, AnyresPlanner planner, AnyresTiler tiler, EncoderSession encoder,
      FeaturePacker packer, String configDigest) {
    this.decoder = decoder;
    this.planner = planner;
    this.tiler = tiler;
    this.encoder = encoder;
    this.packer = packer;
    this.configDigest = configDigest;
  }

  public static VisionPipeline open(Path modelDir, ModelManifest manifest, ImageLimits limits, EncoderOptions options) {
    ModelManifest.Vision vision = manifest.vision();
    AnyresGeometry geometry = AnyresGeometry.from(vision);
    float[] newline = ImageNewline.load(modelDir.resolve(vision.imageNewline()), vision.hiddenSize());
    String configDigest = EmbeddingConfigDigest.of(modelDir, options);
    EncoderSession encoder = EncoderSession.open(modelDir, vision, options);
    return new VisionPipeline(
        new ImageDecoder(limits),
        new AnyresPlanner(geometry),
        new AnyresTiler(geometry.tileSize(), PixelNormalization.from(vision)),
        encoder,
        new FeaturePacker(newline),
        configDigest);
  }

  /** Decodes the image and cuts it into normalised encoder tiles. */
  public PreparedImage prepare(byte[] imageBytes) {
    return prepare(imageBytes, DecodeCutoff.NEVER);
  }

  /** As {@link #prepare(byte[])}, stopping early (decode, then between resizes) when {@code cutoff} says so. */
  public PreparedImage prepare(byte[] imageBytes, DecodeCutoff cutoff) {
    RgbImage image = decoder.decode(imageBytes, cutoff);
    AnyresPlan plan = planner.plan(image.width(), image.height());
    return new PreparedImage(image.width(), image.height(), plan, tiler.tile(image, plan, cutoff));
  }

  /** The pixels the image will decode to, from its header, after the per-image limits (nothing is decoded). */
  public long declaredPixels(byte[] imageBytes) {
    return decoder.declaredPixels(imageBytes);
  }

  /** Packs the tiles' encoder features into the decoder's rows, as fp16 for the wire. */
  public ImageEmbedding pack(PreparedImage image, float[] tileFeatures) {
    AnyresPlan plan = image.plan();
    float[] packed = packer.pack(tileFeatures, plan);
    return new ImageEmbedding(
        image.width(),
        image.height(),
        plan.canvas(),
        plan.gridTileCount(),
        plan.tokenCount(),
        packer.hiddenSize(),
        Float16Encoding.toLittleEndianBytes(packed));
  }

  /** All three steps on the calling thread, without batching (tools and benchmarks; not thread-safe). */
  public ImageEmbedding embed(byte[] imageBytes) {
    PreparedImage image = prepare(imageBytes);
    return pack(image, encoder.encode(image.tiles()));
  }

  public EncoderSession encoder() {
    return encoder;
  }

  public AnyresPlanner planner() {
    return planner;
  }

  /** The configuration part of every cache key for this pipeline's embeddings. */
  public String configDigest() {
    return configDigest;
  }

  @Override
  public void close() {
    encoder.close();
  }
}
