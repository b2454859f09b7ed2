package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.session.ConversationBusyException;
import dev.varco.gateway.session.ConversationStore;
import dev.varco.gateway.session.ConversationTurns;
import dev.varco.gateway.session.PendingTurn;
import dev.varco.gateway.session.UnknownIdException;
import dev.varco.gateway.upstream.ServedModel;
import dev.varco.gateway.upstream.UpstreamFailure;
import io.vertx.core.Context;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * OpenAI's Responses API: {@code POST /v1/responses} answers one new turn of a conversation held
 * on the server (by {@code conversation} or {@code previous_response_id}), so the client sends
 * only the new turn; {@code GET /v1/responses/{id}} reads a recorded response. The turn itself
 * (hold, history, record) is {@link ConversationTurns}'; this class maps JSON and HTTP. The
 * handlers that touch the store run on worker threads.
 */
@ApplicationScoped
public class ResponsesRoutes {
  private static final Logger LOG = Logger.getLogger(ResponsesRoutes.class);

  @Inject ServedModel servedModel;
  @Inject ChatTurnRules rules;
  @Inject ObjectMapper json;
  @Inject ConversationStore store;
  @Inject ConversationTurns turns;
  @Inject OpenAiRoutes edge;
  @Inject StreamConfig streamConfig;

  void register(@Observes Router router) {
    router.post("/v1/responses").blockingHandler(this::create, false)
        .failureHandler(edge::failure);
    router.get("/v1/responses/:id").blockingHandler(this::retrieve, false).failureHandler(edge::failure);
  }

  private void create(RoutingContext ctx) {
    String requestId = OpenAiRoutes.requestId(ctx);
    String owner = AccessFilter.caller(ctx);
    JsonNode body = edge.readBody(ctx);
    if (body == null) {
      return;
    }
    ResponsesRequest request;
    String idempotencyKey;
    try {
      request = new ResponsesRequestParser(rules.limits()).parseResponse(body);
      idempotencyKey = IdempotencyKey.read(ctx.request().getHeader(IdempotencyKey.HEADER));
    } catch (InvalidRequestException e) {
      edge.invalid(ctx, e);
      return;
    }
    PendingTurn pending;
    try {
      pending = turns.begin(owner, request.turn(), request.store() ? idempotencyKey : null);
    } catch (ConversationBusyException e) {
      edge.conflict(ctx, e.getMessage(), "conversation", "conversation_busy");
      return;
    } catch (UnknownIdException e) {
      edge.notFound(ctx, e.getMessage(), request.conversationId() != null ? "conversation" : "previous_response_id");
      return;
    } catch (InvalidRequestException e) {
      edge.invalid(ctx, restNames(e));
      return;
    }
    if (pending.replays()) {
      ctx.response().putHeader("Idempotent-Replayed", "true"); // the turn was recorded by an earlier try
    }
    // However the exchange ends (answered, refused below, connection lost), the conversation is freed.
    ctx.addEndHandler(ended -> pending.release());
    Context context = ctx.vertx().getOrCreateContext();
    servedModel.describe().emitOn(OpenAiRoutes.onContext(context)).subscribe().with(description -> {
      if (request.model() != null && !request.model().equals(description.getName())) {
        pending.release().onComplete(freed -> edge.notFound(ctx, "the model '" + request.model()
            + "' does not exist; this server serves '" + description.getName() + "'", "model"));
        return;
      }
      if (ctx.response().closed()) {
        // The client left: the end handler frees the conversation, unless the connection dropped
        // before it was added (end handlers added after the end never run), so free it here too.
        pending.release();
        return;
      }
      var responder = new ResponsesResponder(ctx.response(), context, json, request, pending, streamConfig,
          () -> AccessFilter.answered(ctx));
      pending.generate(description.getName(), requestId, responder);
      // Added to the context's end handlers, never set on the response: that would replace the
      // handlers that free the conversation and the caller's slot.
      ctx.addEndHandler(ended -> {
        if (ended.failed()) {
          LOG.debugf("client of %s went away; cancelling the generation, recording nothing", requestId);
          pending.cancel();
        }
      });
    }, failure -> {
      pending.release().onComplete(freed -> edge.sendUpstreamFailure(ctx, UpstreamFailure.from(failure)));
    });
  }

  /** The rules name chat-completions fields; this API calls max_tokens max_output_tokens and the messages input. */
  private static InvalidRequestException restNames(InvalidRequestException e) {
    if (e.param() == null) {
      return e;
    }
    return new InvalidRequestException(restParam(e.param()), e.getMessage().replace("max_tokens", "max_output_tokens"),
        e.code());
  }

  /** A chat-completions param as this API names it: the turn's messages are its input. */
  static String restParam(String param) {
    return switch (param) {
      case "max_tokens" -> "max_output_tokens";
      case "temperature", "top_p" -> param;
      default -> "input";
    };
  }

  private void retrieve(RoutingContext ctx) {
    OpenAiRoutes.requestId(ctx);
    String id = ctx.pathParam("id");
    store.response(AccessFilter.caller(ctx), id).ifPresentOrElse(
        response -> ctx.response().putHeader("Content-Type", "application/json")
            .end(new ResponsesJson(json).response(response, true).toString()),
        () -> edge.notFound(ctx, "no response with id '" + id + "' found", null));
  }
}
