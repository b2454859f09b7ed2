package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.gateway.session.PendingTurn;
import dev.varco.gateway.session.ResponseRecord;
import dev.varco.gateway.session.StoreFailure;
import dev.varco.gateway.session.TurnListener;
import dev.varco.gateway.session.UnknownIdException;
import dev.varco.gateway.upstream.GenerationListener.FinishReason;
import dev.varco.gateway.upstream.GenerationListener.TokenLogprob;
import dev.varco.gateway.upstream.UpstreamFailure;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * Writes one turn's answer as a Responses API answer, either as the SSE events of a streamed
 * response ({@code response.created} ... {@code response.completed}) or as one {@code response}
 * object. The {@link PendingTurn} has recorded the turn before it reports completion, so the
 * client never hears of a response the store lacks. Events are replayed on the request's Vert.x
 * context. A stream whose client stops reading pauses its generation, and is cut (the turn
 * recording nothing) after the stall timeout ({@link Backpressure}).
 */
final class ResponsesResponder implements TurnListener {
  private final HttpServerResponse response;
  private final Context context;
  private final ObjectMapper json;
  private final ResponsesJson shapes;
  private final ResponsesRequest request;
  private final PendingTurn turn;
  private final String itemId;
  /** Gives the caller's slot back; run before the last event is written. */
  private final Runnable answered;
  private final StringBuilder text = new StringBuilder();
  private boolean streamStarted;
  private int sequenceNumber;
  private final StreamConfig streamConfig;
  private final Backpressure pacing;

  ResponsesResponder(HttpServerResponse response, Context context, ObjectMapper json, ResponsesRequest request,
      PendingTurn turn, StreamConfig streamConfig, Runnable answered) {
    this.answered = answered;
    this.streamConfig = streamConfig;
    this.pacing = new Backpressure(context.owner(), streamConfig.stallTimeout(),
        () -> context.runOnContext(v -> stalled()));
    pacing.attach(turn.control());
    this.response = response;
    this.context = context;
    this.json = json;
    this.shapes = new ResponsesJson(json);
    this.request = request;
    this.turn = turn;
    this.itemId = turn.itemId();
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
  public void onCompleted(ResponseRecord done, FinishReason finishReason) {
    context.runOnContext(v -> finish(done));
  }

  @Override
  public void onNotRecorded(RuntimeException cause) {
    context.runOnContext(v -> {
      if (cause instanceof UnknownIdException gone) {
        fail(404, "invalid_request_error", gone.getMessage() + ": it was deleted during the turn", "conversation");
      } else if (cause instanceof StoreFailure) {
        fail(503, "server_error", "the conversation store is unavailable: the answer could not be recorded;"
            + " nothing of this turn was kept", null, "store_unavailable");
      } else {
        fail(500, "server_error", "the answer could not be recorded; nothing of this turn was kept", null);
      }
    });
  }

  @Override
  public void onFailure(UpstreamFailure failure) {
    UpstreamFailure named = failure.withParam(ResponsesRoutes::restParam);
    context.runOnContext(v -> fail(named.httpStatus(), named.errorType(), named.message(), named.param(), named.code()));
  }

  /** The client read nothing for the stall timeout; the turn is already cancelled (nothing recorded). */
  private void stalled() {
    fail(0, "server_error", pacing.stallMessage(), null, "stream_stalled");
    EventStream.dropIfStillStuck(response, context.owner(), streamConfig.stallTimeout());
  }

  private void finish(ResponseRecord done) {
    pacing.finished();
    if (response.closed() || response.ended()) {
      return;
    }
    answered.run();
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
    itemDone.set("item", shapes.item(done.output().getFirst(), ResponsesJson.outputStatus(done)));
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
    pacing.finished();
    if (response.closed() || response.ended()) {
      return;
    }
    answered.run();
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
    EventStream.open(response, streamConfig.maxBacklogBytes(), pacing::drained);
    for (String type : List.of("response.created", "response.in_progress")) {
      ObjectNode event = event(type);
      event.set("response", shapes.response(turn.inProgress(), request.store()));
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
      if (response.writeQueueFull()) {
        pacing.full();
      }
    }
  }
}
