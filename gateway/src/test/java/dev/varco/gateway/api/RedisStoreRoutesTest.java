package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.varco.gateway.session.RedisServerResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.List;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The Conversations API over the Redis store (a real redis-server started before Quarkus), and
 * what the gateway answers while that Redis is gone: 503 {@code store_unavailable} and readiness
 * DOWN naming Redis, then service again once Redis is back.
 */
@QuarkusTest
@TestProfile(RedisStoreRoutesTest.OnRedis.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisStoreRoutesTest {
  public static class OnRedis implements QuarkusTestProfile {
    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(RedisServerResource.class));
    }
  }

  private static final String IMAGE_URL = "data:image/png;base64,iVBORw0KGgo=";
  private static String conversation;

  @Test
  @Order(1)
  void conversationsLiveInRedis() {
    conversation = given().contentType(ContentType.JSON)
        .body("{\"metadata\":{\"topic\":\"cats\"},\"items\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\","
            + "\"image_url\":\"" + IMAGE_URL + "\"},{\"type\":\"input_text\",\"text\":\"look\"}]}]}")
        .when().post("/v1/conversations")
        .then().statusCode(200).extract().path("id");
    // Written to Redis under the default prefix, not to an embedded file.
    assertEquals(":1", RedisServerResource.server.command("EXISTS varco:conv:" + conversation));

    given().contentType(ContentType.JSON)
        .body("{\"items\":[{\"role\":\"assistant\",\"content\":\"a cat\"},{\"role\":\"user\",\"content\":\"sure?\"}]}")
        .when().post("/v1/conversations/" + conversation + "/items")
        .then().statusCode(200).body("data", hasSize(2));
    given().when().get("/v1/conversations/" + conversation + "/items?order=asc")
        .then().statusCode(200)
        .body("data", hasSize(3))
        .body("data[0].content[0].image_url", equalTo(IMAGE_URL))
        .body("data[1].content[0].text", equalTo("a cat"))
        .body("data[2].content[0].text", equalTo("sure?"));
    given().when().get("/v1/conversations")
        .then().statusCode(200)
        .body("data.id", hasItem(conversation))
        .body("data[0].metadata.topic", equalTo("cats"));
    // Not ready as a whole (no llm-service listens here), but the store's check is UP.
    given().when().get("/q/health/ready")
        .then().body("checks.find { it.name == 'conversation store' }.status", equalTo("UP"))
        .body("checks.find { it.name == 'conversation store' }.data.kind", equalTo("redis"));
  }

  @Test
  @Order(2)
  void redisGoneIs503AndNotReadyUntilItIsBack() {
    RedisServerResource.server.kill();
    try {
      given().when().get("/v1/conversations")
          .then().statusCode(503)
          .body("error.code", equalTo("store_unavailable"))
          .body("error.type", equalTo("server_error"));
      given().contentType(ContentType.JSON).body("{}")
          .when().post("/v1/conversations")
          .then().statusCode(503).body("error.code", equalTo("store_unavailable"));
      given().when().get("/q/health/ready")
          .then().statusCode(503)
          .body("checks.find { it.name == 'conversation store' }.status", equalTo("DOWN"))
          .body("checks.find { it.name == 'conversation store' }.data.error", containsString("Redis"));
    } finally {
      RedisServerResource.server.restart();
    }
    // Back (over its append-only file): the same client reconnects and the data is there.
    given().when().get("/q/health/ready")
        .then().body("checks.find { it.name == 'conversation store' }.status", equalTo("UP"));
    given().when().get("/v1/conversations/" + conversation + "/items")
        .then().statusCode(200).body("data", hasSize(3));
  }
}
