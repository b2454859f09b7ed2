package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.gateway.upstream.GenerationListener;
import dev.varco.gateway.upstream.UpstreamFailure;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;

/**
 * Writes one generation to the HTTP client, either as OpenAI SSE chunks ending with {@code [DONE]}
 * or as one {@code chat.completion} JSON object. Upstream events arrive on gRPC threads and are
 * replayed on the request's Vert.x context, so all writes to the response happen on one thread.
 *
 * <p>Streaming responses start only at the first upstream event: a request the backend refuses
 * (a corrupt image, say) still gets a proper HTTP error status instead of a 200 stream.
 */
final class ChatCompletionResponder implements GenerationListener {
  private final HttpServerResponse response;
  private final Context context;
  private final ObjectMapper json;
  private final String id;
  private final long created;
  private final String model;
  private final boolean stream;
  private final boolean includeUsage;
  private final StringBuilder text = new StringBuilder();
  private boolean streamStarted;

  ChatCompletionResponder(HttpServerResponse response, Context context, ObjectMapper json, String id, String model,
      ChatCompletionRequest request) {
    this.response = response;
    this.context = context;
    this.json = json;
    this.id = id;
    this.created = System.currentTimeMillis() / 1000;
    this.model = model;
    this.stream = request.stream();
    this.includeUsage = request.includeUsage();
  }

  @Override
  public void onDelta(String delta) {
    context.runOnContext(v -> {
      if (!stream) {
        text.append(delta);
        return;
      }
      startStream();
      ObjectNode content = json.createObjectNode();
      content.put("content", delta);
      writeEvent(chunk(content, null));
    });
  }

  @Override
  public void onCompletion(FinishReason finishReason, TokenUsage usage) {
    context.runOnContext(v -> {
      if (response.closed()) {
        return;
      }
      if (stream) {
        startStream();
        writeEvent(chunk(json.createObjectNode(), finishReason.openAiName()));
        if (includeUsage) {
          ObjectNode usageChunk = chunkEnvelope();
          usageChunk.putArray("choices");
          usageChunk.set("usage", usageNode(usage));
          writeEvent(usageChunk);
        }
        response.end("data: [DONE]\n\n");
      } else {
        ObjectNode body = json.createObjectNode();
        body.put("id", id);
        body.put("object", "chat.completion");
        body.put("created", created);
        body.put("model", model);
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", text.toString());
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason.openAiName());
        body.set("usage", usageNode(usage));
        response.setStatusCode(200).putHeader("Content-Type", "application/json").end(body.toString());
      }
    });
  }

  @Override
  public void onFailure(UpstreamFailure failure) {
    context.runOnContext(v -> {
      if (response.closed() || response.ended()) {
        return;
      }
      if (streamStarted) {
        // Too late for a status code: report the error in the stream, then close it as OpenAI does.
        writeEvent(OpenAiErrors.body(json, failure.errorType(), failure.message(), null, null));
        response.end("data: [DONE]\n\n");
      } else {
        OpenAiErrors.send(response, json, failure.httpStatus(), failure.errorType(), failure.message(), null, null);
      }
    });
  }

  private void startStream() {
    if (streamStarted) {
      return;
    }
    streamStarted = true;
    response.setStatusCode(200)
        .setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-cache")
        .putHeader("X-Accel-Buffering", "no");
    ObjectNode roleDelta = json.createObjectNode();
    roleDelta.put("role", "assistant");
    roleDelta.put("content", "");
    writeEvent(chunk(roleDelta, null));
  }

  private ObjectNode chunk(ObjectNode delta, String finishReason) {
    ObjectNode chunk = chunkEnvelope();
    ArrayNode choices = chunk.putArray("choices");
    ObjectNode choice = choices.addObject();
    choice.put("index", 0);
    choice.set("delta", delta);
    choice.putNull("logprobs");
    if (finishReason == null) {
      choice.putNull("finish_reason");
    } else {
      choice.put("finish_reason", finishReason);
    }
    return chunk;
  }

  private ObjectNode chunkEnvelope() {
    ObjectNode chunk = json.createObjectNode();
    chunk.put("id", id);
    chunk.put("object", "chat.completion.chunk");
    chunk.put("created", created);
    chunk.put("model", model);
    return chunk;
  }

  private ObjectNode usageNode(TokenUsage usage) {
    ObjectNode node = json.createObjectNode();
    node.put("prompt_tokens", usage.promptTokens());
    node.put("completion_tokens", usage.completionTokens());
    node.put("total_tokens", usage.totalTokens());
    // OpenAI's details object, plus image_tokens: how many prompt tokens were image embeddings.
    ObjectNode details = node.putObject("prompt_tokens_details");
    details.put("cached_tokens", usage.cachedTokens());
    details.put("image_tokens", usage.imageTokens());
    return node;
  }

  private void writeEvent(ObjectNode event) {
    if (!response.closed()) {
      response.write("data: " + event + "\n\n");
    }
  }
}
