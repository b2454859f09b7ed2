package dev.varco.vision.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.varco.vision.image.AnyresGeometry;
import dev.varco.vision.image.AnyresPlan;
import dev.varco.vision.image.AnyresPlanner;
import dev.varco.vision.image.GridPinpoint;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Packing order on synthetic features whose values name their origin: value = tile * 1000 + token
 * (channel 0) so every packed row can be traced back to the tile and patch it came from.
 */
class FeaturePackerTest {
  private static final int TILE = 384;
  private static final int SIDE = 27;

  private static AnyresPlanner planner() {
    List<GridPinpoint> pinpoints = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      for (int j = 1; j <= 6; j++) {
        pinpoints.add(new GridPinpoint(i * TILE, j * TILE));
      }
    }
    return new AnyresPlanner(new AnyresGeometry(TILE, SIDE, pinpoints, 9));
  }

  private static float[] tracedFeatures(int tiles, int hidden) {
    float[] features = new float[tiles * SIDE * SIDE * hidden];
    for (int tile = 0; tile < tiles; tile++) {
      for (int token = 0; token < SIDE * SIDE; token++) {
        int at = (tile * SIDE * SIDE + token) * hidden;
        features[at] = tile * 1000 + token;
        features[at + 1] = -1;
      }
    }
    return features;
  }

  @Test
  void wideImageKeepsTheMiddleRowsOfTheGridAndEndsEachRowWithTheNewline() {
    // 1152x300 -> canvas 384x1152 (1 row, 3 columns); unpadded to the 21 content rows.
    AnyresPlan plan = planner().plan(1152, 300);
    assertEquals(new GridPinpoint(384, 1152), plan.canvas());
    int hidden = 2;
    float[] newline = {7, 7};
    float[] packed = new FeaturePacker(newline).pack(tracedFeatures(plan.encoderTileCount(), hidden), plan);
    assertEquals(plan.tokenCount() * hidden, packed.length);

    // Base tile first, in its own order.
    for (int token = 0; token < SIDE * SIDE; token++) {
      assertEquals(token, packed[token * hidden]);
    }
    int width = plan.packedWidth();
    assertEquals(81, width);
    assertEquals(21, plan.packedHeight());
    assertEquals(3, plan.unpaddedTop());
    int first = SIDE * SIDE;
    for (int y = 0; y < plan.packedHeight(); y++) {
      int featureRow = plan.unpaddedTop() + y;
      for (int x = 0; x < width; x++) {
        int tile = 1 + x / SIDE;
        int token = featureRow * SIDE + x % SIDE;
        assertEquals(tile * 1000 + token, packed[(first + y * (width + 1) + x) * hidden], "row " + y + " col " + x);
      }
      assertEquals(7, packed[(first + y * (width + 1) + width) * hidden], "newline after row " + y);
    }
  }

  @Test
  void tallImageCropsColumnsAcrossTileRows() {
    // 300x1000 -> canvas 1152x384 (3 rows, 1 column); unpadded to the content's columns.
    AnyresPlan plan = planner().plan(300, 1000);
    assertEquals(new GridPinpoint(1152, 384), plan.canvas());
    float[] packed = new FeaturePacker(new float[] {7, 7}).pack(tracedFeatures(plan.encoderTileCount(), 2), plan);
    int width = plan.packedWidth();
    int first = SIDE * SIDE;
    for (int y : new int[] {0, 26, 27, 80}) {
      int x = 0;
      int featureColumn = plan.unpaddedLeft() + x;
      int tile = 1 + y / SIDE;
      int token = (y % SIDE) * SIDE + featureColumn;
      assertEquals(tile * 1000 + token, packed[(first + y * (width + 1) + x) * 2], "row " + y);
    }
  }
}
