package dev.varco.vision.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * fixtures/anyres-token-counts.json: expected layouts and token counts computed by
 * src/test/python/anyres_token_counts.py from the reference formulas, independently of this code.
 */
public final class TokenCountFixture {
  private TokenCountFixture() {}

  public static JsonNode load() {
    try (InputStream in = TokenCountFixture.class.getResourceAsStream("/fixtures/anyres-token-counts.json")) {
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The geometry the fixture was computed for (VARCO-VISION-14B's). */
  public static AnyresGeometry geometry(JsonNode fixture) {
    List<GridPinpoint> pinpoints = new ArrayList<>();
    fixture.get("image_grid_pinpoints").forEach(p -> pinpoints.add(new GridPinpoint(p.get(0).asInt(), p.get(1).asInt())));
    int size = fixture.get("image_size").asInt();
    int maxTiles = Integer.parseInt(fixture.get("vision_aspect_ratio").asText().substring("anyres_max_".length()));
    return new AnyresGeometry(size, size / fixture.get("patch_size").asInt(), pinpoints, maxTiles);
  }
}
