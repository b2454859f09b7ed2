package dev.varco.vision.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * Token counts against fixtures/anyres-token-counts.json, which src/test/python/anyres_token_counts.py
 * computes from the reference formulas independently of this code.
 */
class AnyresPlannerTest {
  @Test
  void everyFixtureRowMatchesTheReferenceFormula() {
    JsonNode fixture = TokenCountFixture.load();
    AnyresPlanner planner = new AnyresPlanner(TokenCountFixture.geometry(fixture));
    int rows = 0;
    for (JsonNode c : fixture.get("cases")) {
      int width = c.get("width").asInt();
      int height = c.get("height").asInt();
      AnyresPlan plan = planner.plan(width, height);
      String at = width + "x" + height;
      assertEquals(new GridPinpoint(c.get("pinpoint_height").asInt(), c.get("pinpoint_width").asInt()), plan.canvas(), at);
      assertEquals(c.get("unpadded_height").asInt(), plan.unpaddedHeight(), at + " unpadded height");
      assertEquals(c.get("unpadded_width").asInt(), plan.unpaddedWidth(), at + " unpadded width");
      assertEquals(c.get("packed_height").asInt(), plan.packedHeight(), at + " packed height");
      assertEquals(c.get("packed_width").asInt(), plan.packedWidth(), at + " packed width");
      assertEquals(c.get("tokens").asInt(), plan.tokenCount(), at + " tokens");
      rows++;
    }
    assertTrue(rows >= 40, "the fixture must cover at least 40 sizes, has " + rows);
  }

  @Test
  void contractTokenCounts() {
    AnyresPlanner planner = new AnyresPlanner(TokenCountFixture.geometry(TokenCountFixture.load()));
    assertEquals(1485, planner.plan(384, 384).tokenCount());
    AnyresPlan large = planner.plan(2304, 2304);
    assertEquals(7371, large.tokenCount());
    assertEquals(81, large.packedHeight());
    assertTrue(large.downsampled());
    assertEquals(36, large.gridTileCount());
  }

  @Test
  void canvasPlacementCentresTheResizedImage() {
    AnyresPlanner planner = new AnyresPlanner(TokenCountFixture.geometry(TokenCountFixture.load()));
    // 500x375 lands on 384 high x 768 wide: height fills, width ceil(500 * 384/375) = 512, centred.
    AnyresPlan plan = planner.plan(500, 375);
    assertEquals(new GridPinpoint(384, 768), plan.canvas());
    assertEquals(512, plan.resizedWidth());
    assertEquals(384, plan.resizedHeight());
    assertEquals(128, plan.pasteLeft());
    assertEquals(0, plan.pasteTop());
    assertEquals(1, plan.rows());
    assertEquals(2, plan.columns());
    // Odd leftover: 13x7 on 384x384 -> 384 x ceil(7 * 384/13) = 207; (384 - 207) / 2 = 88 above, 89 below.
    AnyresPlan odd = planner.plan(13, 7);
    assertEquals(207, odd.resizedHeight());
    assertEquals(88, odd.pasteTop());
  }

  @Test
  void pythonFloorDivisionDiffersFromJavaFloorWhereTheReferenceDepends() {
    double ratio = Math.sqrt(135.0 * 135 / (9 * 27 * 27));
    assertEquals(80.0, ReferenceArithmetic.floorDivide(135, ratio));
    assertEquals(9.0, ReferenceArithmetic.floorDivide(1, 0.1));
    assertEquals(3, ReferenceArithmetic.truncatedRoundTo7Places(2.99999999));
    assertEquals(2, ReferenceArithmetic.truncatedRoundTo7Places(2.9999999));
  }
}
