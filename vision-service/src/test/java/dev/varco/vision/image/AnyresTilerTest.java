package dev.varco.vision.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnyresTilerTest {
  private static final int TILE = 384;
  private static final PixelNormalization HALF = new PixelNormalization(1 / 255.0, new double[] {0.5, 0.5, 0.5},
      new double[] {0.5, 0.5, 0.5});

  private static AnyresPlanner planner() {
    List<GridPinpoint> pinpoints = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      for (int j = 1; j <= 6; j++) {
        pinpoints.add(new GridPinpoint(i * TILE, j * TILE));
      }
    }
    return new AnyresPlanner(new AnyresGeometry(TILE, 27, pinpoints, 9));
  }

  private static RgbImage white(int width, int height) {
    byte[] pixels = new byte[width * height * 3];
    java.util.Arrays.fill(pixels, (byte) 255);
    return new RgbImage(width, height, pixels);
  }

  private static float at(TileBatch batch, int tile, int channel, int x, int y) {
    return batch.pixelValues()[tile * batch.floatsPerTile() + channel * TILE * TILE + y * TILE + x];
  }

  @Test
  void whiteImageOnACanvasWithBlackCentredPadding() {
    // 500x375 -> resized 512x384, pasted at x = 128 on a 768x384 canvas: two tiles.
    AnyresPlan plan = planner().plan(500, 375);
    TileBatch batch = new AnyresTiler(TILE, HALF).tile(white(500, 375), plan);
    assertEquals(3, batch.count());
    assertEquals(3 * 3 * TILE * TILE, batch.pixelValues().length);
    // Base tile: the whole image squeezed to 384x384, all white -> (1 - 0.5) / 0.5 = 1.
    assertEquals(1f, at(batch, 0, 0, 0, 0), 1e-6);
    assertEquals(1f, at(batch, 0, 2, 383, 383), 1e-6);
    // Left tile: black padding (-1) up to x = 127, image from x = 128.
    assertEquals(-1f, at(batch, 1, 0, 127, 200), 1e-6);
    assertEquals(1f, at(batch, 1, 0, 128, 200), 1e-6);
    // Right tile covers canvas x 384..767: image ends at 128 + 512 = 640 -> tile x 256.
    assertEquals(1f, at(batch, 2, 1, 255, 10), 1e-6);
    assertEquals(-1f, at(batch, 2, 1, 256, 10), 1e-6);
  }

  @Test
  void resamplerKeepsFlatColoursAndHitsTheRequestedSize() {
    byte[] pixels = new byte[7 * 5 * 3];
    for (int i = 0; i < pixels.length; i += 3) {
      pixels[i] = 10;
      pixels[i + 1] = 100;
      pixels[i + 2] = (byte) 200;
    }
    RgbImage flat = new RgbImage(7, 5, pixels);
    for (int[] size : new int[][] {{384, 384}, {3, 2}, {1, 1}, {700, 9}}) {
      RgbImage resized = BicubicResampler.resize(flat, size[0], size[1]);
      assertEquals(size[0], resized.width());
      assertEquals(size[1], resized.height());
      assertEquals(10, resized.sample(size[0] - 1, size[1] - 1, 0));
      assertEquals(100, resized.sample(0, 0, 1));
      assertEquals(200, resized.sample(size[0] / 2, size[1] / 2, 2));
    }
  }
}
