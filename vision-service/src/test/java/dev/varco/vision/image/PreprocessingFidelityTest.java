package dev.varco.vision.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * Every tile of every fixture image against Pillow's (src/test/python/preprocessing_fixtures.py):
 * geometry exact, pixels within a grey level (measured: identical). Two measurements: the whole path from file bytes
 * (decoder + resampler), and the resampler alone fed with Pillow's own decoded RGB, which must be
 * bit-exact since it ports Pillow's fixed-point arithmetic.
 */
class PreprocessingFidelityTest {
  private static final ImageDecoder DECODER = new ImageDecoder(new ImageLimits(50_000_000, 50_000_000, 10_000));
  private static final AnyresPlanner PLANNER = new AnyresPlanner(TokenCountFixture.geometry(TokenCountFixture.load()));
  private static final AnyresTiler TILER =
      new AnyresTiler(384, new PixelNormalization(1 / 255.0, new double[] {0.5, 0.5, 0.5}, new double[] {0.5, 0.5, 0.5}));

  /** Absolute differences over many pixels: the largest and the sum. */
  private static final class Difference {
    int max;
    long sum;
    long count;

    void add(byte[] expected, byte[] actual) {
      assertEquals(expected.length, actual.length, "array sizes");
      for (int i = 0; i < expected.length; i++) {
        int d = Math.abs((expected[i] & 0xFF) - (actual[i] & 0xFF));
        max = Math.max(max, d);
        sum += d;
      }
      count += expected.length;
    }

    void add(Difference other) {
      max = Math.max(max, other.max);
      sum += other.sum;
      count += other.count;
    }

    double mean() {
      return count == 0 ? 0 : (double) sum / count;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "max %d, mean %.4f over %d values", max, mean(), count);
    }
  }

  @Test
  void tilesMatchPillowForEveryFixtureImage() {
    JsonNode index = PreprocessingFixture.index();
    assertTrue(index.get("images").size() >= 12, "at least 12 fixture images");
    Difference decoded = new Difference();
    Difference tiles = new Difference();
    Difference pngTiles = new Difference();
    Difference resampledFromReferenceRgb = new Difference();
    List<String> report = new ArrayList<>();
    for (JsonNode entry : index.get("images")) {
      String name = entry.get("image").asText();
      RgbImage image = DECODER.decode(PreprocessingFixture.bytes(name));
      int width = entry.get("width").asInt();
      int height = entry.get("height").asInt();
      assertEquals(width + "x" + height, image.width() + "x" + image.height(), name + ": upright size");

      AnyresPlan plan = PLANNER.plan(width, height);
      assertEquals(entry.get("canvas").get(0).asInt(), plan.canvas().height(), name + ": canvas height");
      assertEquals(entry.get("canvas").get(1).asInt(), plan.canvas().width(), name + ": canvas width");
      assertEquals(entry.get("resized").get(0).asInt(), plan.resizedHeight(), name + ": resized height");
      assertEquals(entry.get("resized").get(1).asInt(), plan.resizedWidth(), name + ": resized width");
      assertEquals(entry.get("padding_top_left").get(0).asInt(), plan.pasteTop(), name + ": top padding");
      assertEquals(entry.get("padding_top_left").get(1).asInt(), plan.pasteLeft(), name + ": left padding");
      assertEquals(entry.get("tile_count").asInt(), plan.encoderTileCount(), name + ": tile count");

      byte[] expectedTiles = PreprocessingFixture.pixels(entry.get("tiles").asText(), 384);
      Difference imageTiles = new Difference();
      imageTiles.add(expectedTiles, concatenated(TILER.cut(image, plan)));
      tiles.add(imageTiles);
      if (name.endsWith(".png")) {
        pngTiles.add(imageTiles);
      }
      String line = String.format(Locale.ROOT, "%-40s %-5s tiles %2d: %s", name, entry.get("pil_mode").asText(),
          plan.encoderTileCount(), imageTiles);

      if (!entry.get("rgb").isNull()) {
        byte[] referenceRgb = PreprocessingFixture.pixels(entry.get("rgb").asText(), width);
        Difference imageDecode = new Difference();
        imageDecode.add(referenceRgb, image.pixels());
        decoded.add(imageDecode);
        Difference resampleOnly = new Difference();
        resampleOnly.add(expectedTiles, concatenated(TILER.cut(new RgbImage(width, height, referenceRgb), plan)));
        resampledFromReferenceRgb.add(resampleOnly);
        line += "; decode " + imageDecode + "; resample alone: max " + resampleOnly.max;
      }
      report.add(line);
    }
    System.out.println("Preprocessing vs Pillow " + index.get("pillow").asText() + ":\n  " + String.join("\n  ", report)
        + "\n  all tiles: " + tiles + "\n  decoded RGB: " + decoded + "\n  resampler alone on Pillow's RGB: "
        + resampledFromReferenceRgb);

    assertEquals(0, resampledFromReferenceRgb.max, "resampler on Pillow's RGB: " + resampledFromReferenceRgb);
    // PNG decoding is lossless, so any difference there is ours; JPEG decoders may round an IDCT differently.
    assertEquals(0, pngTiles.max, "tiles from PNG files: " + pngTiles);
    assertTrue(tiles.max <= 1, "tiles from file bytes: " + tiles);
    assertTrue(tiles.mean() < 0.05, "tiles from file bytes: " + tiles);
  }

  private static byte[] concatenated(List<RgbImage> tiles) {
    int size = tiles.getFirst().pixels().length;
    byte[] all = new byte[size * tiles.size()];
    for (int i = 0; i < tiles.size(); i++) {
      System.arraycopy(tiles.get(i).pixels(), 0, all, i * size, size);
    }
    return all;
  }
}
