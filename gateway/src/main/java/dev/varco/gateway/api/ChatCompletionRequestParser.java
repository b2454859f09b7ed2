package dev.varco.gateway.api;

import static dev.varco.gateway.api.JsonFields.abbreviate;
import static dev.varco.gateway.api.JsonFields.optionalBoolean;
import static dev.varco.gateway.api.JsonFields.optionalInt;
import static dev.varco.gateway.api.JsonFields.optionalNumber;
import static dev.varco.gateway.api.JsonFields.optionalText;

import com.fasterxml.jackson.databind.JsonNode;
import dev.varco.gateway.chat.ChatLimits;
import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.ChatTurn;
import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.tasks.InvalidTaskException;
import dev.varco.gateway.tasks.TaskTurn;
import dev.varco.gateway.tasks.VarcoTask;
import dev.varco.gateway.chat.Sampling;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Validates an OpenAI chat-completions body and turns it into a {@link ChatTurn}. Every refusal
 * names the offending field, as OpenAI's {@code param} does.
 */
final class ChatCompletionRequestParser {
  private final ChatTurnRules rules;
  private final ChatLimits limits;

  ChatCompletionRequestParser(ChatTurnRules rules) {
    this.rules = rules;
    this.limits = rules.limits();
  }

  ChatCompletionRequest parse(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw new InvalidRequestException(null, "the request body must be a JSON object");
    }
    String model = optionalText(body, "model");
    boolean stream = optionalBoolean(body, "stream", false);
    boolean includeUsage = false;
    JsonNode streamOptions = body.get("stream_options");
    if (streamOptions != null && !streamOptions.isNull()) {
      if (!streamOptions.isObject()) {
        throw new InvalidRequestException("stream_options", "stream_options must be an object");
      }
      includeUsage = optionalBoolean(streamOptions, "include_usage", false);
    }
    int n = optionalInt(body, "n", 1, 1, Integer.MAX_VALUE);
    if (n != 1) {
      throw new InvalidRequestException("n", "n must be 1: this server returns one choice per request");
    }
    refuseUnsupported(body);
    optionalText(body, "user"); // accepted for compatibility; not used
    Sampling sampling = parseSampling(body);
    List<ChatMessage> messages = parseMessages(body.get("messages"));
    // llama.cpp's extension; unset = reuse, as there.
    ChatTurn turn = new ChatTurn(messages, sampling, optionalBoolean(body, "cache_prompt", true));
    rules.check(turn);
    VarcoTask task = VarcoTaskField.parse(body);
    if (task == null) {
      return new ChatCompletionRequest(turn, model, stream, includeUsage, null);
    }
    TaskTurn taskTurn;
    try {
      taskTurn = TaskTurn.of(task, turn);
    } catch (InvalidTaskException e) {
      // The task's own fields are named as they sit in the body; "text" is the user's message.
      String param = e.param() == null || e.param().equals("messages") ? "messages"
          : e.param().equals("text") || e.param().equals("image") ? "messages[" + (messages.size() - 1) + "].content"
          : VarcoTaskField.NAME + "." + e.param();
      throw new InvalidRequestException(param, e.getMessage());
    }
    return new ChatCompletionRequest(taskTurn.turn(), model, stream, includeUsage, taskTurn);
  }

  /** Type checks only; {@link ChatTurnRules} checks the ranges for REST and gRPC alike. */
  private Sampling parseSampling(JsonNode body) {
    double temperature = optionalNumber(body, "temperature").orElse(1.0);
    int maxTokens = optionalInt(body, "max_completion_tokens", 0, 1, limits.maxCompletionTokens());
    if (maxTokens == 0) {
      maxTokens = optionalInt(body, "max_tokens", 0, 1, limits.maxCompletionTokens());
    }
    OptionalLong seed = OptionalLong.empty();
    JsonNode seedNode = body.get("seed");
    if (seedNode != null && !seedNode.isNull()) {
      if (!seedNode.canConvertToLong() || !seedNode.isIntegralNumber()) {
        throw new InvalidRequestException("seed", "seed must be an integer");
      }
      seed = OptionalLong.of(seedNode.asLong());
    }
    // vLLM takes -1 for "no top_k limit", llama.cpp 0; both mean off here.
    int topK = optionalInt(body, "top_k", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
    boolean logprobs = optionalBoolean(body, "logprobs", false);
    int topLogprobs = optionalInt(body, "top_logprobs", 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
    return new Sampling(temperature, maxTokens, seed,
        optionalNumber(body, "top_p"),
        topK == -1 ? 0 : topK,
        optionalNumber(body, "min_p").orElse(0.0),
        optionalNumber(body, "repetition_penalty"),
        optionalNumber(body, "presence_penalty").orElse(0.0),
        optionalNumber(body, "frequency_penalty").orElse(0.0),
        parseStop(body.get("stop")),
        logprobs,
        topLogprobs);
  }

  /** OpenAI's {@code stop}: null, one string, or an array of strings. */
  private static List<String> parseStop(JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (node.isTextual()) {
      return List.of(node.asText());
    }
    if (node.isArray()) {
      List<String> stop = new ArrayList<>();
      for (JsonNode item : node) {
        if (!item.isTextual()) {
          throw new InvalidRequestException("stop", "stop must be a string or an array of strings");
        }
        stop.add(item.asText());
      }
      return stop;
    }
    throw new InvalidRequestException("stop", "stop must be a string or an array of strings");
  }

  /**
   * Features this server does not have are refused rather than ignored, so a client never mistakes
   * an ordinary answer for JSON mode or a tool call. Their neutral values (no tools, {@code "none"},
   * {@code {"type":"text"}}, an empty logit_bias) are accepted.
   */
  private static void refuseUnsupported(JsonNode body) {
    JsonNode responseFormat = body.get("response_format");
    if (responseFormat != null && !responseFormat.isNull()) {
      String type = responseFormat.isObject() ? optionalText(responseFormat, "type") : null;
      if (!"text".equals(type)) {
        throw new InvalidRequestException("response_format", "response_format "
            + (type == null ? "must be an object with a 'type'" : "type '" + abbreviate(type) + "' is not supported")
            + ": this server only produces plain text ({\"type\":\"text\"})");
      }
    }
    for (String field : List.of("tools", "functions")) {
      JsonNode value = body.get(field);
      if (value != null && !value.isNull() && !(value.isArray() && value.isEmpty())) {
        throw new InvalidRequestException(field, field + " are not supported: this server does not call tools");
      }
    }
    for (String field : List.of("tool_choice", "function_call")) {
      JsonNode value = body.get(field);
      if (value != null && !value.isNull() && !(value.isTextual() && value.asText().equals("none"))) {
        throw new InvalidRequestException(field, field + " is not supported: this server does not call tools");
      }
    }
    JsonNode logitBias = body.get("logit_bias");
    if (logitBias != null && !logitBias.isNull() && !(logitBias.isObject() && logitBias.isEmpty())) {
      throw new InvalidRequestException("logit_bias", "logit_bias is not supported");
    }
  }

  private List<ChatMessage> parseMessages(JsonNode node) {
    if (node == null || node.isNull()) {
      throw new InvalidRequestException("messages", "'messages' is required: a non-empty array of chat messages");
    }
    if (!node.isArray() || node.isEmpty()) {
      throw new InvalidRequestException("messages", "'messages' must be a non-empty array of chat messages");
    }
    if (node.size() > limits.maxMessages()) {
      // Checked here too so a huge array is refused before its images are decoded.
      throw new InvalidRequestException("messages", "'messages' has " + node.size() + " entries, over the limit of "
          + limits.maxMessages() + " (varco.gateway.max-messages)");
    }
    List<ChatMessage> messages = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      messages.add(parseMessage(node.get(i), "messages[" + i + "]"));
    }
    return messages;
  }

  private ChatMessage parseMessage(JsonNode node, String path) {
    if (!node.isObject()) {
      throw new InvalidRequestException(path, path + " must be an object with 'role' and 'content'");
    }
    JsonNode roleNode = node.get("role");
    if (roleNode == null || !roleNode.isTextual()) {
      throw new InvalidRequestException(path + ".role", path + ".role is required: 'system', 'user' or 'assistant'");
    }
    String roleName = roleNode.asText();
    ChatMessage.Role role = ChatMessage.Role.fromWireName("developer".equals(roleName) ? "system" : roleName);
    if (role == null) {
      throw new InvalidRequestException(path + ".role", path + ".role '" + abbreviate(roleName)
          + "' is not supported: use 'system', 'user' or 'assistant'");
    }
    JsonNode content = node.get("content");
    List<ChatPart> parts = new ArrayList<>();
    if (content == null || content.isNull()) {
      throw new InvalidRequestException(path + ".content", path + ".content is required");
    } else if (content.isTextual()) {
      parts.add(new ChatPart.Text(content.asText()));
    } else if (content.isArray()) {
      for (int j = 0; j < content.size(); j++) {
        parts.add(parsePart(content.get(j), path + ".content[" + j + "]", role));
      }
    } else {
      throw new InvalidRequestException(path + ".content", path + ".content must be a string or an array of parts");
    }
    return new ChatMessage(role, parts);
  }

  private ChatPart parsePart(JsonNode part, String path, ChatMessage.Role role) {
    String type = part.isObject() ? optionalText(part, "type") : null;
    if (type == null) {
      throw new InvalidRequestException(path + ".type", path + " must be an object with a 'type' of 'text' or 'image_url'");
    }
    switch (type) {
      case "text" -> {
        JsonNode text = part.get("text");
        if (text == null || !text.isTextual()) {
          throw new InvalidRequestException(path + ".text", path + ".text must be a string");
        }
        return new ChatPart.Text(text.asText());
      }
      case "image_url" -> {
        if (role != ChatMessage.Role.USER) {
          throw new InvalidRequestException(path, path + ": only user messages may contain images");
        }
        JsonNode imageUrl = part.get("image_url");
        String url = null;
        if (imageUrl != null && imageUrl.isObject()) {
          url = optionalText(imageUrl, "url");
        } else if (imageUrl != null && imageUrl.isTextual()) {
          url = imageUrl.asText();
        }
        if (url == null) {
          throw new InvalidRequestException(path + ".image_url.url", path + ".image_url.url is required");
        }
        return new ChatPart.Image(ImageDataUrl.decode(url, path + ".image_url.url", limits.maxImageBytes()));
      }
      default -> throw new InvalidRequestException(path + ".type", path + ".type '" + abbreviate(type)
          + "' is not supported: use 'text' or 'image_url'");
    }
  }
}
