package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.gateway.tasks.TaskOutputParser;
import dev.varco.gateway.tasks.TaskTurn;
import dev.varco.gateway.upstream.GenerationListener;
import dev.varco.gateway.upstream.GenerationListener.TokenLogprob;
import dev.varco.gateway.upstream.LanguageModelClient;
import dev.varco.gateway.upstream.UpstreamFailure;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * Writes one generation to the HTTP client, either as OpenAI SSE chunks ending with {@code [DONE]}
 * or as one {@code chat.completion} JSON object. Upstream events arrive on gRPC threads and are
 * replayed on the request's Vert.x context, so all writes to the response happen on one thread.
 *
 * <p>Streaming responses start only at the first upstream event: a request the backend refuses
 * (a corrupt image, say) still gets a proper HTTP error status instead of a 200 stream. A stream
 * whose client stops reading pauses its generation, and is cut after the stall timeout ({@link
 * Backpressure}).
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
  private final boolean logprobs;
  private final TaskTurn task;
  private final StringBuilder text = new StringBuilder();
  private final ArrayNode logprobsContent;
  private boolean streamStarted;

  private final GatewayMetrics metrics;
  private final long requestStartNanos;
  /** Gives the caller's slot back; run before the last event is written. */
  private final Runnable answered;
  private boolean firstTextSent;
  private final StreamConfig streamConfig;
  private final Backpressure pacing;

  ChatCompletionResponder(HttpServerResponse response, Context context, ObjectMapper json, String id, String model,
      ChatCompletionRequest request, GatewayMetrics metrics, long requestStartNanos, StreamConfig streamConfig,
      Runnable answered) {
    this.streamConfig = streamConfig;
    this.pacing = new Backpressure(context.owner(), streamConfig.stallTimeout(),
        () -> context.runOnContext(v -> stalled()));
    this.metrics = metrics;
    this.answered = answered;
    this.requestStartNanos = requestStartNanos;
    this.response = response;
    this.context = context;
    this.json = json;
    this.id = id;
    this.created = System.currentTimeMillis() / 1000;
    this.model = model;
    this.stream = request.stream();
    this.includeUsage = request.includeUsage();
    this.logprobs = request.turn().sampling().logprobs();
    this.task = request.task();
    this.logprobsContent = json.createArrayNode();
  }

  @Override
  public void onDelta(String delta, List<TokenLogprob> tokens) {
    context.runOnContext(v -> {
      if (!firstTextSent && !delta.isEmpty()) {
        firstTextSent = true;
        metrics.firstToken("rest", requestStartNanos);
      }
      if (!stream || task != null) {
        text.append(delta); // the whole answer: the JSON body, or the task's parsed result
      }
      if (!stream) {
        tokens.forEach(token -> logprobsContent.add(tokenNode(token)));
        return;
      }
      startStream();
      ObjectNode content = json.createObjectNode();
      content.put("content", delta);
      ObjectNode chunk = chunk(content, null);
      if (logprobs) {
        ArrayNode entries = json.createArrayNode();
        tokens.forEach(token -> entries.add(tokenNode(token)));
        ((ObjectNode) chunk.get("choices").get(0)).set("logprobs", logprobsNode(entries));
      }
      writeEvent(chunk);
    });
  }

  /** The generation this responder writes, paused while the client reads nothing. */
  void attach(LanguageModelClient.Generation generation) {
    pacing.attach(generation);
  }

  @Override
  public void onCompletion(FinishReason finishReason, TokenUsage usage) {
    context.runOnContext(v -> {
      pacing.finished();
      if (response.closed()) {
        return;
      }
      answered.run();
      metrics.tokens("rest", usage.promptTokens(), usage.completionTokens());
      if (stream) {
        startStream();
        ObjectNode last = chunk(json.createObjectNode(), finishReason.openAiName());
        if (task != null) {
          last.set(VarcoTaskField.NAME, taskResult());
        }
        writeEvent(last);
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
        message.putNull("refusal");
        if (logprobs) {
          choice.set("logprobs", logprobsNode(logprobsContent));
        } else {
          choice.putNull("logprobs");
        }
        choice.put("finish_reason", finishReason.openAiName());
        body.set("usage", usageNode(usage));
        if (task != null) {
          body.set(VarcoTaskField.NAME, taskResult());
        }
        response.setStatusCode(200).putHeader("Content-Type", "application/json").end(body.toString());
      }
    });
  }

  @Override
  public void onFailure(UpstreamFailure failure) {
    context.runOnContext(v -> {
      pacing.finished();
      if (response.closed() || response.ended()) {
        return;
      }
      answered.run();
      if (streamStarted) {
        // Too late for a status code: report the error in the stream, then close it as OpenAI does.
        metrics.error("rest", "in-stream", failure.errorType());
        writeEvent(OpenAiErrors.body(json, failure.errorType(), failure.message(), failure.param(), failure.code()));
        response.end("data: [DONE]\n\n");
      } else {
        OpenAiErrors.send(response, json, failure.httpStatus(), failure.errorType(), failure.message(), failure.param(),
            failure.code());
      }
    });
  }

  /** The client read nothing for the stall timeout; the generation is already cancelled. */
  private void stalled() {
    if (response.closed() || response.ended()) {
      return;
    }
    metrics.error("rest", "in-stream", "server_error");
    writeEvent(OpenAiErrors.body(json, "server_error", pacing.stallMessage(), null, "stream_stalled"));
    response.end("data: [DONE]\n\n");
    EventStream.dropIfStillStuck(response, context.owner(), streamConfig.stallTimeout());
  }

  private ObjectNode taskResult() {
    return TaskOutputJson.of(json, task, TaskOutputParser.parse(text.toString(), task.imageSize()));
  }

  private void startStream() {
    if (streamStarted) {
      return;
    }
    streamStarted = true;
    EventStream.open(response, streamConfig.maxBacklogBytes(), pacing::drained);
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

  /** OpenAI's {@code choices[].logprobs}: {@code {"content": [...], "refusal": null}}. */
  private ObjectNode logprobsNode(ArrayNode content) {
    ObjectNode node = json.createObjectNode();
    node.set("content", content);
    node.putNull("refusal");
    return node;
  }

  /** One {@code ChatCompletionTokenLogprob}: token, logprob, bytes (as ints 0..255), top_logprobs. */
  private ObjectNode tokenNode(TokenLogprob token) {
    ObjectNode node = alternativeNode(token);
    ArrayNode top = node.putArray("top_logprobs");
    token.topLogprobs().forEach(alternative -> top.add(alternativeNode(alternative)));
    return node;
  }

  private ObjectNode alternativeNode(TokenLogprob token) {
    ObjectNode node = json.createObjectNode();
    node.put("token", token.token());
    node.put("logprob", token.logprob());
    ArrayNode bytes = node.putArray("bytes");
    for (byte b : token.bytes()) {
      bytes.add(b & 0xff);
    }
    return node;
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
      if (response.writeQueueFull()) {
        pacing.full();
      }
    }
  }
}
