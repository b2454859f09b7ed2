package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/**
 * The gateway's own refusals, and its answer when the language-model backend is down (the test
 * configuration points it at a port where nothing listens). Turns that reach a real backend are
 * covered by system-tests.
 */
@QuarkusTest
class OpenAiRoutesWithoutBackendTest {

  @Test
  void malformedJsonIs400WithOpenAiError() {
    given().contentType(ContentType.JSON).body("{\"messages\": [")
        .when().post("/v1/chat/completions")
        .then().statusCode(400)
        .body("error.type", equalTo("invalid_request_error"))
        .body("error.message", containsString("not valid JSON"));
  }

  @Test
  void errorsAreCountedByStatusAndType() {
    given().contentType(ContentType.JSON).body("{\"messages\": 3}").when().post("/v1/chat/completions").then().statusCode(400);
    given().get("/q/metrics").then().statusCode(200)
        .body(containsString("varco_gateway_errors_total{api=\"rest\",status=\"400\",type=\"invalid_request_error\"}"));
  }

  @Test
  void theOpenApiDocumentDescribesTheApi() {
    given().get("/q/openapi?format=json").then().statusCode(200)
        .body("paths.'/v1/chat/completions'.post.operationId", equalTo("createChatCompletion"))
        .body("paths.'/v1/models'.get.operationId", equalTo("listModels"))
        .body("paths.'/v1/responses'.post.operationId", equalTo("createResponse"))
        .body("paths.'/v1/conversations/{id}/items'.get.operationId", equalTo("listConversationItems"))
        .body("components.schemas.VarcoTask.properties.type.enum", hasItems("ocr", "grounding", "referring"))
        .body("components.securitySchemes.apiKey.scheme", equalTo("bearer"));
  }

  @Test
  void missingMessagesIs400NamingTheField() {
    given().contentType(ContentType.JSON).body("{\"model\":\"x\"}")
        .when().post("/v1/chat/completions")
        .then().statusCode(400)
        .body("error.param", equalTo("messages"))
        .body("error.message", containsString("'messages' is required"));
  }

  @Test
  void nonImageDataUrlIs400() {
    given().contentType(ContentType.JSON)
        .body("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:text/plain;base64,aGVsbG8=\"}}]}]}")
        .when().post("/v1/chat/completions")
        .then().statusCode(400)
        .body("error.param", equalTo("messages[0].content[0].image_url.url"))
        .body("error.message", containsString("not an image"));
  }

  @Test
  void oversizedBodyIs413() {
    given().contentType(ContentType.JSON)
        .body("{\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(400_000) + "\"}]}")
        .when().post("/v1/chat/completions")
        .then().statusCode(413)
        .body("error.message", containsString("varco.gateway.max-body-bytes"));
  }

  @Test
  void validTurnWithoutBackendIs503AndGatewayKeepsServing() {
    for (int attempt = 0; attempt < 2; attempt++) {
      given().contentType(ContentType.JSON)
          .body("{\"messages\":[{\"role\":\"user\",\"content\":\"안녕하세요\"}]}")
          .when().post("/v1/chat/completions")
          .then().statusCode(503)
          .body("error.type", equalTo("service_unavailable"))
          .body("error.message", containsString("language model service (llm-service) is unavailable"));
    }
    given().when().get("/v1/models").then().statusCode(503);
  }

  @Test
  void notReadyWhileTheBackendIsDownButAlive() {
    given().get("/q/health/live").then().statusCode(200);
    given().get("/q/health/ready").then().statusCode(503)
        .body("checks.find { it.name == 'llm-service' }.status", equalTo("DOWN"));
  }
}
