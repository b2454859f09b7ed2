package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The chat page is served at {@code /} as static files, outside the {@code /v1} access checks,
 * with JavaScript media types (browsers refuse ES modules served as anything else) and no
 * address outside the gateway; api.js is the one module that talks HTTP, to the gateway's
 * Conversations, Responses and chat-completions APIs. Its behaviour in a browser is
 * system-tests' WebPageSystemTest.
 */
@QuarkusTest
class WebPageTest {
  private static final String[] MODULES = {"main.js", "api.js", "overlay.js", "i18n.js", "store.js"};

  @Test
  void indexIsServedAtTheRoot() {
    given().when().get("/")
        .then().statusCode(200)
        .contentType(containsString("text/html"))
        .body(containsString("<script type=\"module\" src=\"app/main.js\"></script>"))
        .body(containsString("id=\"conversation-list\""));
  }

  @Test
  void modulesAndStylesAreServedWithTheirMediaTypesAndNothingExternal() {
    for (String module : MODULES) {
      given().when().get("/app/" + module)
          .then().statusCode(200)
          .contentType(containsString("javascript"))
          .body(not(containsString("http://")), not(containsString("https://")));
    }
    given().when().get("/app/style.css")
        .then().statusCode(200).contentType(containsString("text/css"))
        .body(not(containsString("http")), not(containsString("@import")));
    given().when().get("/")
        .then().body(not(containsString("http://")), not(containsString("https://")));
  }

  @Test
  void onlyApiJsTalksToTheGatewayThroughItsConversationsAndResponsesApis() {
    for (String module : MODULES) {
      if (!module.equals("api.js")) {
        given().when().get("/app/" + module)
            .then().statusCode(200).body(not(containsString("fetch(")), not(containsString("XMLHttpRequest")));
      }
    }
    given().when().get("/app/api.js")
        .then().statusCode(200)
        .body(containsString("'/v1/responses'"), containsString("/v1/conversations"),
            containsString("'/v1/chat/completions'"));
  }

  @Test
  void thePageLearnsTheConfiguredLimitsBeforeUploading() {
    // The test configuration's limits (src/test/resources/application.properties).
    given().when().get("/app/limits.json")
        .then().statusCode(200)
        .body("max_body_bytes", org.hamcrest.Matchers.equalTo(300000))
        .body("max_image_bytes", org.hamcrest.Matchers.equalTo(100000))
        .body("max_images", org.hamcrest.Matchers.equalTo(2));
  }
}
