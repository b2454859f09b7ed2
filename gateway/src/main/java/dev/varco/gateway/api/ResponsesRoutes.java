package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.ChatTurn;
import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.session.ConversationItem;
import dev.varco.gateway.session.ConversationStore;
import dev.varco.gateway.session.ResponseRecord;
import dev.varco.gateway.session.SessionIds;
import dev.varco.gateway.upstream.LanguageModelClient;
import dev.varco.gateway.upstream.ServedModel;
import dev.varco.gateway.upstream.UpstreamFailure;
import io.vertx.core.Context;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * OpenAI's Responses API: {@code POST /v1/responses} answers one new turn of a conversation held
 * on the server (by {@code conversation} or {@code previous_response_id}), so the client sends
 * only the new turn; {@code GET /v1/responses/{id}} reads a recorded response. The handlers that
 * touch the store run on worker threads.
 */
@ApplicationScoped
public class ResponsesRoutes {
  private static final Logger LOG = Logger.getLogger(ResponsesRoutes.class);

  @Inject LanguageModelClient languageModel;
  @Inject ServedModel servedModel;
  @Inject ChatTurnRules rules;
  @Inject ObjectMapper json;
  @Inject ConversationStore store;
  @Inject OpenAiRoutes edge;

  /** Longest a generation may run upstream; a conversation's turn mark outlives it by a minute. */
  @ConfigProperty(name = "varco.upstream.generation-timeout")
  Duration generationTimeout;

  void register(@Observes Router router) {
    router.post("/v1/responses")
        .handler(BodyHandler.create(false).setBodyLimit(rules.limits().maxBodyBytes()))
        .blockingHandler(this::create, false)
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
    try {
      request = new ResponsesRequestParser(rules.limits()).parseResponse(body);
    } catch (InvalidRequestException e) {
      edge.invalid(ctx, e);
      return;
    }
    // The conversation is held before its history is read, so no other turn is recorded between
    // the history this turn answers and this turn.
    String responseId = SessionIds.response();
    if (request.conversationId() != null && !holdConversation(ctx, request.conversationId(), responseId)) {
      edge.conflict(ctx, "another response is in progress in conversation '" + request.conversationId()
          + "'; send the next turn when it has completed", "conversation", "conversation_busy");
      return;
    }
    ChatTurn turn;
    try {
      List<ConversationItem> earlier;
      if (request.conversationId() != null) {
        earlier = store.history(owner, request.conversationId()).orElse(null);
        if (earlier == null) {
          edge.notFound(ctx, "no conversation with id '" + request.conversationId() + "' found", "conversation");
          return;
        }
      } else if (request.previousResponseId() != null) {
        earlier = store.responseChain(owner, request.previousResponseId()).orElse(null);
        if (earlier == null) {
          edge.notFound(ctx, "no response with id '" + request.previousResponseId() + "' found", "previous_response_id");
          return;
        }
      } else {
        earlier = List.of();
      }
      turn = turn(request, earlier);
    } catch (InvalidRequestException e) {
      edge.invalid(ctx, e);
      return;
    }
    Context context = ctx.vertx().getOrCreateContext();
    servedModel.describe().emitOn(OpenAiRoutes.onContext(context)).subscribe().with(description -> {
      if (request.model() != null && !request.model().equals(description.getName())) {
        edge.notFound(ctx, "the model '" + request.model() + "' does not exist; this server serves '"
            + description.getName() + "'", "model");
        return;
      }
      ResponseRecord inProgress = new ResponseRecord(responseId, System.currentTimeMillis() / 1000,
          description.getName(), "in_progress", null, request.conversationId(), request.previousResponseId(),
          request.instructions(), request.sampling().temperature(), request.sampling().topP(),
          request.sampling().maxTokens() == 0 ? OptionalInt.empty() : OptionalInt.of(request.sampling().maxTokens()),
          request.metadata(), List.of(), null);
      var responder = new ResponsesResponder(ctx.response(), context, json, store, owner, request, inProgress,
          SessionIds.item());
      var generation = languageModel.generate(turn, requestId, responder);
      ctx.response().closeHandler(closed -> {
        LOG.debugf("client of %s went away; cancelling the generation, recording nothing", requestId);
        generation.cancel();
      });
    }, failure -> edge.sendUpstreamFailure(ctx, UpstreamFailure.from(failure)));
  }

  /**
   * Marks the conversation as busy with this turn until the answer ends, however it ends (the
   * response completes or fails, or the client goes away); false when another turn holds it. The
   * history read above stays the history the turn answers: no other turn can be recorded in between.
   */
  private boolean holdConversation(RoutingContext ctx, String conversationId, String responseId) {
    if (!store.beginTurn(conversationId, responseId, generationTimeout.plusMinutes(1))) {
      return false;
    }
    ctx.addEndHandler(ended -> ctx.vertx().executeBlocking(() -> {
      store.endTurn(conversationId, responseId);
      return null;
    }, false).onFailure(e -> LOG.warnf(e, "could not end the turn %s of %s", responseId, conversationId)));
    return true;
  }

  /**
   * The whole conversation for the model: this turn's instructions as a system message, the
   * earlier items, then the new input. The turn rules apply to it all (images and messages are
   * counted over the whole conversation), with their fields named as this API names them.
   */
  private ChatTurn turn(ResponsesRequest request, List<ConversationItem> earlier) {
    List<ChatMessage> messages = new ArrayList<>();
    if (request.instructions() != null) {
      messages.add(new ChatMessage(ChatMessage.Role.SYSTEM, List.of(new ChatPart.Text(request.instructions()))));
    }
    earlier.forEach(item -> messages.add(item.toChatMessage()));
    request.input().forEach(item -> messages.add(item.toChatMessage()));
    ChatTurn turn = new ChatTurn(messages, request.sampling());
    try {
      rules.check(turn);
    } catch (InvalidRequestException e) {
      String param = e.param() == null ? null : switch (e.param()) {
        case "max_tokens" -> "max_output_tokens";
        case "temperature", "top_p" -> e.param();
        default -> "input";
      };
      String message = e.getMessage().replace("'messages'", "the conversation").replace("max_tokens", "max_output_tokens");
      throw new InvalidRequestException(param, message);
    }
    return turn;
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
