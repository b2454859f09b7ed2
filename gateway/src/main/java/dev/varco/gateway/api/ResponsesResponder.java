package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.session.ConversationItem;
import dev.varco.gateway.session.ConversationStore;
import dev.varco.gateway.session.ItemContent;
import dev.varco.gateway.session.ResponseRecord;
import dev.varco.gateway.session.StoreFailure;
import dev.varco.gateway.session.TurnRecord;
import dev.varco.gateway.session.UnknownIdException;
import dev.varco.gateway.upstream.GenerationListener;
import dev.varco.gateway.upstream.UpstreamFailure;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Writes one generation as a Responses API answer, either as the SSE events of a streamed
 * response ({@code response.created} ... {@code response.completed}) or as one {@code response}
 * object, and records the turn when the answer is complete. The turn is recorded before the
 * client hears that the response completed, in one store transaction; a generation that fails or
 * is cancelled records nothing. Upstream events are replayed on the request's Vert.x context, the
 * store is written on a worker thread.
 */
final class ResponsesResponder implements GenerationListener {
  private static final Logger LOG = Logger.getLogger(ResponsesResponder.class);

  private final HttpServerResponse response;
  private final Context context;
  private final ObjectMapper json;
  private final ResponsesJson shapes;
  private final ConversationStore store;
  private final String owner;
  private final ResponsesRequest request;
  private final ResponseRecord inProgress;
  private final String itemId;
  private final StringBuilder text = new StringBuilder();
  private boolean streamStarted;
  private int sequenceNumber;

  ResponsesResponder(HttpServerResponse response, Context context, ObjectMapper json, ConversationStore store,
      String owner, ResponsesRequest request, ResponseRecord inProgress, String itemId) {
    this.response = response;
    this.context = context;
    this.json = json;
    this.shapes = new ResponsesJson(json);
    this.store = store;
    this.owner = owner;
    this.request = request;
    this.inProgress = inProgress;
    this.itemId = itemId;
  }

  @Override
  public void onDelta(String delta, List<TokenLogprob> logprobs) {
    context.runOnContext(v -> {
      text.append(delta);
      if (!request.stream() || delta.isEmpty()) {
        return;
      }
      startStream();
      ObjectNode event = textEvent("response.output_text.delta");
      event.put("delta", delta);
      event.putArray("logprobs");
      writeEvent(event);
    });
  }

  @Override
  public void onCompletion(FinishReason finishReason, TokenUsage usage) {
    context.runOnContext(v -> {
      ConversationItem answer = new ConversationItem(itemId, ChatMessage.Role.ASSISTANT,
          List.of(new ItemContent.OutputText(text.toString())), System.currentTimeMillis() / 1000);
      boolean incomplete = finishReason == FinishReason.LENGTH;
      ResponseRecord done = new ResponseRecord(inProgress.id(), inProgress.createdAt(), inProgress.model(),
          incomplete ? "incomplete" : "completed", incomplete ? "max_output_tokens" : null,
          inProgress.conversationId(), inProgress.previousResponseId(), inProgress.instructions(),
          inProgress.temperature(), inProgress.topP(), inProgress.maxOutputTokens(), inProgress.metadata(),
          List.of(answer), new ResponseRecord.Usage(usage.promptTokens(), usage.completionTokens(),
              usage.cachedTokens(), usage.imageTokens()));
      if (!request.store()) {
        finish(done);
        return;
      }
      context.executeBlocking(() -> {
        store.recordTurn(owner, new TurnRecord(request.input(), done));
        return null;
      }).onComplete(recorded -> {
        if (recorded.succeeded()) {
          finish(done);
        } else if (recorded.cause() instanceof UnknownIdException gone) {
          fail(404, "invalid_request_error", gone.getMessage() + ": it was deleted during the turn", "conversation");
        } else if (recorded.cause() instanceof StoreFailure unavailable) {
          LOG.warnf("recording response %s failed: %s", done.id(), unavailable.getMessage());
          fail(503, "server_error", "the conversation store is unavailable: the answer could not be recorded;"
              + " nothing of this turn was kept", null, "store_unavailable");
        } else {
          LOG.errorf(recorded.cause(), "recording response %s failed", done.id());
          fail(500, "server_error", "the answer could not be recorded; nothing of this turn was kept", null);
        }
      });
    });
  }

  @Override
  public void onFailure(UpstreamFailure failure) {
    context.runOnContext(v -> fail(failure.httpStatus(), failure.errorType(), failure.message(), null));
  }

  private void finish(ResponseRecord done) {
    if (response.closed() || response.ended()) {
      return;
    }
    if (!request.stream()) {
      response.setStatusCode(200).putHeader("Content-Type", "application/json")
          .end(shapes.response(done, request.store()).toString());
      return;
    }
    startStream();
    ObjectNode textDone = textEvent("response.output_text.done");
    textDone.put("text", text.toString());
    textDone.putArray("logprobs");
    writeEvent(textDone);
    ObjectNode partDone = textEvent("response.content_part.done");
    partDone.set("part", shapes.outputText(json.createObjectNode(), text.toString()));
    writeEvent(partDone);
    ObjectNode itemDone = event("response.output_item.done");
    itemDone.put("output_index", 0);
    itemDone.set("item", shapes.item(done.output().getFirst(), "completed"));
    writeEvent(itemDone);
    ObjectNode completed = event("incomplete".equals(done.status()) ? "response.incomplete" : "response.completed");
    completed.set("response", shapes.response(done, request.store()));
    writeEvent(completed);
    response.end();
  }

  /** Before the stream started: an HTTP error; after: an SSE {@code error} event, then the end. */
  private void fail(int status, String type, String message, String param) {
    fail(status, type, message, param, null);
  }

  private void fail(int status, String type, String message, String param, String code) {
    if (response.closed() || response.ended()) {
      return;
    }
    if (!streamStarted) {
      OpenAiErrors.send(response, json, status, type, message, param, code);
      return;
    }
    ObjectNode error = event("error");
    error.put("code", code != null ? code : type);
    error.put("message", message);
    error.put("param", param);
    writeEvent(error);
    response.end();
  }

  /** Opens the SSE stream with the events that precede the first text delta. */
  private void startStream() {
    if (streamStarted) {
      return;
    }
    streamStarted = true;
    EventStream.open(response);
    for (String type : List.of("response.created", "response.in_progress")) {
      ObjectNode event = event(type);
      event.set("response", shapes.response(inProgress, request.store()));
      writeEvent(event);
    }
    ObjectNode itemAdded = event("response.output_item.added");
    itemAdded.put("output_index", 0);
    ObjectNode item = itemAdded.putObject("item");
    item.put("id", itemId);
    item.put("type", "message");
    item.put("status", "in_progress");
    item.put("role", "assistant");
    item.putArray("content");
    writeEvent(itemAdded);
    ObjectNode partAdded = textEvent("response.content_part.added");
    partAdded.set("part", shapes.outputText(json.createObjectNode(), ""));
    writeEvent(partAdded);
  }

  private ObjectNode event(String type) {
    ObjectNode event = json.createObjectNode();
    event.put("type", type);
    event.put("sequence_number", sequenceNumber++);
    return event;
  }

  /** An event about the one output_text part of the one output message. */
  private ObjectNode textEvent(String type) {
    ObjectNode event = event(type);
    event.put("item_id", itemId);
    event.put("output_index", 0);
    event.put("content_index", 0);
    return event;
  }

  private void writeEvent(ObjectNode event) {
    if (!response.closed()) {
      response.write("event: " + event.get("type").asText() + "\ndata: " + event + "\n\n");
    }
  }
}
