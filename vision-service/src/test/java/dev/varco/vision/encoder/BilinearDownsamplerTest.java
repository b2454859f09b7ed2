package dev.varco.vision.encoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** Against fixtures/bilinear-downsample.json from src/test/python/bilinear_downsample.py (numpy). */
class BilinearDownsamplerTest {
  @Test
  void matchesTorchAlignCornersFalseSemantics() throws IOException {
    JsonNode fixture;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/bilinear-downsample.json")) {
      fixture = new ObjectMapper().readTree(in);
    }
    int height = fixture.get("height").asInt();
    int width = fixture.get("width").asInt();
    int channels = fixture.get("channels").asInt();
    float[] grid = floats(fixture.get("grid"));
    for (JsonNode c : fixture.get("cases")) {
      int outHeight = c.get("height").asInt();
      int outWidth = c.get("width").asInt();
      float[] actual = BilinearDownsampler.resize(grid, height, width, channels, outHeight, outWidth);
      assertArrayEquals(floats(c.get("values")), actual, 1e-5f, outHeight + "x" + outWidth);
    }
  }

  @Test
  void halvingAveragesNeighbourPairs() {
    float[] row = {0, 1, 2, 3};
    assertArrayEquals(new float[] {0.5f, 2.5f}, BilinearDownsampler.resize(row, 1, 4, 1, 1, 2));
    assertEquals(4, BilinearDownsampler.resize(row, 1, 4, 1, 1, 4).length);
  }

  private static float[] floats(JsonNode array) {
    float[] values = new float[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) array.get(i).asDouble();
    }
    return values;
  }
}
