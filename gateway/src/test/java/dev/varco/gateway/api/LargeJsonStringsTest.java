package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A body within the configured limits whose one string is longer than Jackson's default 20
 * million characters (a data URL of a ~16 MB image) reaches the request checks: the answer names
 * the image, not "not valid JSON".
 */
@QuarkusTest
@TestProfile(LargeJsonStringsTest.ProductionSizes.class)
class LargeJsonStringsTest {
  /** The body and image limits of the shipped configuration (the test defaults are small). */
  public static class ProductionSizes implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("varco.gateway.max-body-bytes", "67108864", "varco.gateway.max-image-bytes", "20971520");
    }
  }

  @Test
  void aStringOverTwentyMillionCharactersIsReadAndChecked() {
    String url = "data:text/plain;base64," + "A".repeat(21_000_000);
    given().contentType(ContentType.JSON)
        .body("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + url + "\"}}]}]}")
        .when().post("/v1/chat/completions")
        .then().statusCode(400)
        .body("error.param", equalTo("messages[0].content[0].image_url.url"))
        .body("error.message", containsString("not an image"));
  }
}
