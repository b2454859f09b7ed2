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
import dev.varco.vision.image.ImageDecoder;
import dev.varco.vision.image.ImageLimits;
import dev.varco.vision.image.PixelNormalization;
import dev.varco.vision.image.RgbImage;
import dev.varco.vision.image.TileBatch;
import java.nio.file.Path;

/**
 * One model's path from image bytes to packed embeddings: decode, plan, tile, encode, pack. Not
 * thread-safe (one encoder session); the engine runs it on its own workers.
 */
public final class VisionPipeline implements AutoCloseable {
  private final ImageDecoder decoder;
  private final AnyresPlanner planner;
  private final AnyresTiler tiler;
  private final EncoderSession encoder;
  private final FeaturePacker packer;

  private VisionPipeline(
      ImageDecoder decoder, AnyresPlanner planner, AnyresTiler tiler, EncoderSession encoder, FeaturePacker packer) {
    this.decoder = decoder;
    this.planner = planner;
    this.tiler = tiler;
    this.encoder = encoder;
    this.packer = packer;
  }

  public static VisionPipeline open(Path modelDir, ModelManifest manifest, ImageLimits limits, EncoderOptions options) {
    ModelManifest.Vision vision = manifest.vision();
    AnyresGeometry geometry = AnyresGeometry.from(vision);
    float[] newline = ImageNewline.load(modelDir.resolve(vision.imageNewline()), vision.hiddenSize());
    EncoderSession encoder = EncoderSession.open(modelDir, vision, options);
    return new VisionPipeline(
        new ImageDecoder(limits),
        new AnyresPlanner(geometry),
        new AnyresTiler(geometry.tileSize(), PixelNormalization.from(vision)),
        encoder,
        new FeaturePacker(newline));
  }

  public ImageEmbedding embed(byte[] imageBytes) {
    RgbImage image = decoder.decode(imageBytes);
    AnyresPlan plan = planner.plan(image.width(), image.height());
    TileBatch tiles = tiler.tile(image, plan);
    float[] packed = packer.pack(encoder.encode(tiles), plan);
    return new ImageEmbedding(
        image.width(),
        image.height(),
        plan.canvas(),
        plan.gridTileCount(),
        plan.tokenCount(),
        packer.hiddenSize(),
        Float16Encoding.toLittleEndianBytes(packed));
  }

  public AnyresPlanner planner() {
    return planner;
  }

  @Override
  public void close() {
    encoder.close();
  }
}
