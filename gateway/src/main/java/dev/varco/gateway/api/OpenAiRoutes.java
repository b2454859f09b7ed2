package dev.varco.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.routing.Affinity;
import dev.varco.gateway.session.StoreFailure;
import dev.varco.gateway.upstream.LanguageModelClient;
import dev.varco.gateway.upstream.ServedModel;
import dev.varco.gateway.upstream.UpstreamFailure;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The OpenAI-compatible HTTP API: {@code POST /v1/chat/completions}, {@code GET /v1/models} and
 * {@code GET /v1/models/{id}}.
 * Plain Vert.x routes rather than JAX-RS, because a streaming answer must choose its status code
 * only when the first upstream event arrives, and must cancel the upstream call when the client
 * disconnects. Also the edge's shared plumbing (request ids, body reading, OpenAI-shaped errors)
 * that {@link ConversationRoutes} and {@link ResponsesRoutes} use.
 */
@ApplicationScoped
public class OpenAiRoutes {
  private static final Logger LOG = Logger.getLogger(OpenAiRoutes.class);
  static final String REQUEST_ID_HEADER = "X-Request-Id";

  @Inject LanguageModelClient languageModel;
  @Inject ServedModel servedModel;
  @Inject ChatTurnRules rules;
  @Inject ObjectMapper json;
  @Inject GatewayMetrics metrics;
  @Inject StreamConfig streamConfig;

  void register(@Observes Router router) {
    // Parsing a body of up to max-body-bytes and base64-decoding its images takes milliseconds to
    // seconds: on a worker, never on the event loop that serves every other connection.
    router.post("/v1/chat/completions").blockingHandler(this::chatCompletions, false)
        .failureHandler(this::failure);
    router.get("/v1/models").handler(this::models).failureHandler(this::failure);
    router.get("/v1/models/:model").handler(this::model).failureHandler(this::failure);
    // Model ids may hold '/' (org/name), which SDKs may send unescaped: the id is the rest of the path.
    router.getWithRegex("/v1/models/[^/]+/.+").handler(this::model).failureHandler(this::failure);
  }

  /** Runs on a worker thread (parsing); the answer is written on the request's context. */
  private void chatCompletions(RoutingContext ctx) {
    long arrived = System.nanoTime();
    String requestId = requestId(ctx);
    JsonNode body = readBody(ctx);
    if (body == null) {
      return;
    }
    ChatCompletionRequest request;
    try {
      request = new ChatCompletionRequestParser(rules).parse(body);
    } catch (InvalidRequestException e) {
      invalid(ctx, e);
      return;
    }
    Context context = Vertx.currentContext();
    servedModel.describe().emitOn(onContext(context)).subscribe().with(description -> {
      if (request.model() != null && !request.model().equals(description.getName())) {
        OpenAiErrors.send(ctx.response(), json, 404, "invalid_request_error",
            "the model '" + request.model() + "' does not exist; this server serves '" + description.getName() + "'",
            "model", "model_not_found");
        return;
      }
      if (ctx.response().closed()) {
        return; // the client left while the model was described: nothing to generate for
      }
      var responder = new ChatCompletionResponder(ctx.response(), context, json,
          "chatcmpl-" + UUID.randomUUID().toString().replace("-", ""), description.getName(), request, metrics, arrived,
          streamConfig, () -> AccessFilter.answered(ctx));
      String caller = AccessFilter.caller(ctx);
      Affinity affinity = Affinity.stateless(caller, request.turn());
      var generation = languageModel.generate(request.turn(), requestId, caller, affinity, responder);
      responder.attach(generation);
      // Added to the context's end handlers, never set on the response: that would replace the
      // handler that gives the caller's slot back (AccessFilter).
      ctx.addEndHandler(ended -> {
        if (ended.failed()) {
          LOG.debugf("client of %s went away; cancelling the generation", requestId);
          generation.cancel();
        }
      });
    }, failure -> sendUpstreamFailure(ctx, UpstreamFailure.from(failure)));
  }

  private void models(RoutingContext ctx) {
    requestId(ctx);
    servedModel.describe().emitOn(onContext(Vertx.currentContext())).subscribe().with(description -> {
      ObjectNode body = json.createObjectNode();
      body.put("object", "list");
      body.putArray("data").add(modelObject(description));
      ctx.response().putHeader("Content-Type", "application/json").end(body.toString());
    }, failure -> sendUpstreamFailure(ctx, UpstreamFailure.from(failure)));
  }

  /** {@code GET /v1/models/{id}}: OpenAI's model object, or a 404 {@code model_not_found}. */
  private void model(RoutingContext ctx) {
    requestId(ctx);
    String id = ModelPath.id(ctx.request().path());
    servedModel.describe().emitOn(onContext(Vertx.currentContext())).subscribe().with(description -> {
      if (!description.getName().equals(id)) {
        OpenAiErrors.send(ctx.response(), json, 404, "invalid_request_error", "the model '"
            + JsonFields.abbreviate(id) + "' does not exist; this server serves '" + description.getName() + "'",
            "model", "model_not_found");
        return;
      }
      ctx.response().putHeader("Content-Type", "application/json").end(modelObject(description).toString());
    }, failure -> sendUpstreamFailure(ctx, UpstreamFailure.from(failure)));
  }

  /** One entry of the model list (vLLM's {@code max_model_len} included). */
  private ObjectNode modelObject(dev.varco.proto.llm.v1.ModelDescription description) {
    ObjectNode model = json.createObjectNode();
    model.put("id", description.getName());
    model.put("object", "model");
    model.put("created", description.getCreated());
    model.put("owned_by", "varco");
    model.put("max_model_len", description.getContextLength());
    return model;
  }

  /**
   * The request body as JSON (an empty body reads as a missing node), or null after a 400 was
   * sent because it is not JSON, or holds text that is not Unicode (an unpaired surrogate).
   */
  JsonNode readBody(RoutingContext ctx) {
    try {
      // One JSON value and nothing after it: "{...}x" is refused, not read as "{...}".
      JsonNode body = json.reader().with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .readTree(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
      UnpairedSurrogates.Found unpaired = UnpairedSurrogates.find(body);
      if (unpaired == null) {
        return body;
      }
      OpenAiErrors.send(ctx.response(), json, 400, "invalid_request_error", unpaired.message(),
          unpaired.path().isEmpty() ? null : unpaired.path(), null);
    } catch (JsonProcessingException e) {
      // Where, and in plain words what: the parser's own message names its internals (token
      // classes, character codes, its limits), which say nothing useful to a client.
      String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr()
          + ", column " + e.getLocation().getColumnNr();
      String what = e instanceof com.fasterxml.jackson.core.io.JsonEOFException ? "it ends too early" : "syntax error";
      OpenAiErrors.send(ctx.response(), json, 400, "invalid_request_error",
          "the request body is not valid JSON: " + what + where, null, null);
    } catch (java.io.IOException e) {
      OpenAiErrors.send(ctx.response(), json, 400, "invalid_request_error", "the request body could not be read", null, null);
    }
    return null;
  }

  /** A 400 naming the offending field. */
  void invalid(RoutingContext ctx, InvalidRequestException e) {
    OpenAiErrors.send(ctx.response(), json, 400, "invalid_request_error", e.getMessage(), e.param(), e.code());
  }

  /** A 404 for an id that names nothing. */
  void notFound(RoutingContext ctx, String message, String param) {
    OpenAiErrors.send(ctx.response(), json, 404, "invalid_request_error", message, param, null);
  }

  /** A 409: the request is valid but clashes with the state of what it names. */
  void conflict(RoutingContext ctx, String message, String param, String code) {
    OpenAiErrors.send(ctx.response(), json, 409, "invalid_request_error", message, param, code);
  }

  /** Runs Mutiny callbacks on the request's Vert.x context, where the response may be written. */
  static java.util.concurrent.Executor onContext(Context context) {
    return task -> context.runOnContext(v -> task.run());
  }

  void sendUpstreamFailure(RoutingContext ctx, UpstreamFailure failure) {
    OpenAiErrors.send(ctx.response(), json, failure.httpStatus(), failure.errorType(), failure.message(), failure.param(),
        failure.code());
  }

  /** Errors that escaped a handler: never a stack trace. An oversized body is {@link BodyLimit}'s. */
  void failure(RoutingContext ctx) {
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    if (ctx.failure() instanceof StoreFailure failure) {
      // The store (Redis, a disk) is down, not the gateway broken: one line, and a status that says retry.
      LOG.warnf("request %s: %s", ctx.response().headers().get(REQUEST_ID_HEADER), failure.getMessage());
      storeUnavailable(ctx.response());
      return;
    }
    if (ctx.failure() != null) {
      LOG.errorf(ctx.failure(), "request %s failed", ctx.request().getHeader(REQUEST_ID_HEADER));
    }
    OpenAiErrors.send(ctx.response(), json, status, status >= 500 ? "server_error" : "invalid_request_error",
        status >= 500 ? "internal error" : "the request could not be processed", null, null);
  }

  /** 503 {@code store_unavailable}: the conversation store could not be read or written; nothing was changed. */
  void storeUnavailable(io.vertx.core.http.HttpServerResponse response) {
    OpenAiErrors.send(response, json, 503, "server_error",
        "the conversation store is unavailable; nothing was changed, try again later", null, "store_unavailable");
  }

  static String requestId(RoutingContext ctx) {
    String given = ctx.request().getHeader(REQUEST_ID_HEADER);
    String id = given != null && given.matches("[A-Za-z0-9._-]{1,64}") ? given : UUID.randomUUID().toString();
    ctx.response().putHeader(REQUEST_ID_HEADER, id);
    return id;
  }
}
