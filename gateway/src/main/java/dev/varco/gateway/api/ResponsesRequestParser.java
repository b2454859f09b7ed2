package dev.varco.gateway.api;

import static dev.varco.gateway.api.JsonFields.abbreviate;
import static dev.varco.gateway.api.JsonFields.optionalBoolean;
import static dev.varco.gateway.api.JsonFields.optionalInt;
import static dev.varco.gateway.api.JsonFields.optionalNumber;
import static dev.varco.gateway.api.JsonFields.optionalText;

import com.fasterxml.jackson.databind.JsonNode;
import dev.varco.gateway.chat.ChatLimits;
import dev.varco.gateway.chat.ChatMessage.Role;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.chat.Sampling;
import dev.varco.gateway.session.ConversationItem;
import dev.varco.gateway.session.ItemContent;
import dev.varco.gateway.session.SessionIds;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Validates the bodies of the Responses and Conversations APIs: {@code POST /v1/responses},
 * {@code POST /v1/conversations} and {@code POST /v1/conversations/{id}/items}. Items are
 * messages with {@code input_text} / {@code input_image} parts (and {@code output_text} for an
 * assistant's earlier answer); every refusal names the field as OpenAI's {@code param} does.
 */
final class ResponsesRequestParser {
  /** OpenAI's limits: 16 metadata pairs, keys up to 64 characters, values up to 512. */
  static final int MAX_METADATA = 16;
  static final int MAX_METADATA_KEY = 64;
  static final int MAX_METADATA_VALUE = 512;
  /** OpenAI's limit of items per conversation create or items add call. */
  static final int MAX_ITEMS_PER_CALL = 20;

  private final ChatLimits limits;

  ResponsesRequestParser(ChatLimits limits) {
    this.limits = limits;
  }

  ResponsesRequest parseResponse(JsonNode body) {
    requireObject(body);
    String model = optionalText(body, "model");
    String instructions = optionalText(body, "instructions");
    String conversationId = parseConversation(body.get("conversation"));
    String previousResponseId = optionalText(body, "previous_response_id");
    if (conversationId != null && previousResponseId != null) {
      throw new InvalidRequestException("conversation",
          "conversation and previous_response_id cannot both be given: a turn continues one or the other");
    }
    refuseUnsupported(body);
    boolean stream = optionalBoolean(body, "stream", false);
    boolean store = optionalBoolean(body, "store", true);
    double temperature = optionalNumber(body, "temperature").orElse(1.0);
    OptionalDouble topP = optionalNumber(body, "top_p");
    int maxOutputTokens = optionalInt(body, "max_output_tokens", 0, 1, limits.maxCompletionTokens());
    Sampling sampling = new Sampling(temperature, maxOutputTokens, OptionalLong.empty(), topP, 0, 0.0,
        OptionalDouble.empty(), 0.0, 0.0, List.of(), false, 0);
    List<ConversationItem> input = parseInput(body.get("input"));
    return new ResponsesRequest(model, input, instructions, conversationId, previousResponseId, sampling, stream,
        store, parseMetadata(body.get("metadata")));
  }

  /** {@code POST /v1/conversations}: optional items and metadata; an empty body is an empty conversation. */
  NewConversation parseConversationCreate(JsonNode body) {
    if (body == null || body.isMissingNode() || body.isNull()) {
      return new NewConversation(Map.of(), List.of());
    }
    requireObject(body);
    JsonNode items = body.get("items");
    List<ConversationItem> parsed = items == null || items.isNull() ? List.of() : parseItems(items, "items", true);
    return new NewConversation(parseMetadata(body.get("metadata")), parsed);
  }

  /** {@code POST /v1/conversations/{id}}: the new {@code metadata}, which replaces the old. */
  Map<String, String> parseConversationUpdate(JsonNode body) {
    requireObject(body);
    JsonNode metadata = body.get("metadata");
    if (metadata == null || metadata.isNull()) {
      throw new InvalidRequestException("metadata", "'metadata' is required: an object of string values");
    }
    return parseMetadata(metadata);
  }

  /** {@code POST /v1/conversations/{id}/items}: a non-empty {@code items} array. */
  List<ConversationItem> parseItemsAdd(JsonNode body) {
    requireObject(body);
    JsonNode items = body.get("items");
    if (items == null || items.isNull()) {
      throw new InvalidRequestException("items", "'items' is required: an array of message items");
    }
    return parseItems(items, "items", false);
  }

  record NewConversation(Map<String, String> metadata, List<ConversationItem> items) {}

  private static void requireObject(JsonNode body) {
    if (body == null || !body.isObject()) {
      throw new InvalidRequestException(null, "the request body must be a JSON object");
    }
  }

  /** {@code conversation}: an id, or an object {@code {"id": ...}}. */
  private static String parseConversation(JsonNode node) {
    if (node == null || node.isNull()) {
      return null;
    }
    if (node.isTextual() && !node.asText().isBlank()) {
      return node.asText();
    }
    if (node.isObject() && node.get("id") != null && node.get("id").isTextual() && !node.get("id").asText().isBlank()) {
      return node.get("id").asText();
    }
    throw new InvalidRequestException("conversation", "conversation must be a conversation id or {\"id\": ...}");
  }

  /** Features this server does not have are refused rather than silently ignored. */
  private static void refuseUnsupported(JsonNode body) {
    JsonNode tools = body.get("tools");
    if (tools != null && !tools.isNull() && !(tools.isArray() && tools.isEmpty())) {
      throw new InvalidRequestException("tools", "tools are not supported: this server does not call tools");
    }
    JsonNode toolChoice = body.get("tool_choice");
    if (toolChoice != null && !toolChoice.isNull()
        && !(toolChoice.isTextual() && (toolChoice.asText().equals("none") || toolChoice.asText().equals("auto")))) {
      throw new InvalidRequestException("tool_choice", "tool_choice is not supported: this server does not call tools");
    }
    JsonNode text = body.get("text");
    JsonNode format = text != null && text.isObject() ? text.get("format") : null;
    if (format != null && !format.isNull()) {
      String type = format.isObject() ? optionalText(format, "type") : null;
      if (!"text".equals(type)) {
        throw new InvalidRequestException("text.format", "text.format "
            + (type == null ? "must be an object with a 'type'" : "type '" + abbreviate(type) + "' is not supported")
            + ": this server only produces plain text ({\"type\":\"text\"})");
      }
    }
    if (optionalBoolean(body, "background", false)) {
      throw new InvalidRequestException("background", "background responses are not supported");
    }
    JsonNode prompt = body.get("prompt");
    if (prompt != null && !prompt.isNull()) {
      throw new InvalidRequestException("prompt", "prompt templates are not supported: send 'input'");
    }
  }

  /** {@code input}: a string (one user message) or an array of message items. */
  private List<ConversationItem> parseInput(JsonNode node) {
    if (node == null || node.isNull()) {
      throw new InvalidRequestException("input", "'input' is required: a string or an array of message items");
    }
    if (node.isTextual()) {
      return List.of(item(Role.USER, List.of(new ItemContent.InputText(node.asText()))));
    }
    return parseItems(node, "input", false);
  }

  private List<ConversationItem> parseItems(JsonNode node, String param, boolean mayBeEmpty) {
    if (!node.isArray() || (!mayBeEmpty && node.isEmpty())) {
      throw new InvalidRequestException(param, "'" + param + "' must be a" + (mayBeEmpty ? "n" : " non-empty")
          + " array of message items");
    }
    int most = param.equals("input") ? limits.maxMessages() : MAX_ITEMS_PER_CALL;
    if (node.size() > most) {
      throw new InvalidRequestException(param, "'" + param + "' has " + node.size() + " items, over the limit of "
          + most + (param.equals("input") ? " (varco.gateway.max-messages)" : ""));
    }
    List<ConversationItem> items = new ArrayList<>();
    int images = 0;
    for (int i = 0; i < node.size(); i++) {
      ConversationItem item = parseItem(node.get(i), param + "[" + i + "]");
      images += (int) item.content().stream().filter(ItemContent.InputImage.class::isInstance).count();
      if (images > limits.maxImages()) {
        throw new InvalidRequestException(param, "'" + param + "' holds more than " + limits.maxImages()
            + " images (varco.gateway.max-images)");
      }
      items.add(item);
    }
    return items;
  }

  private ConversationItem parseItem(JsonNode node, String path) {
    if (!node.isObject()) {
      throw new InvalidRequestException(path, path + " must be a message item: an object with 'role' and 'content'");
    }
    String type = optionalText(node, "type", path + ".type");
    if (type != null && !type.equals("message")) {
      throw new InvalidRequestException(path + ".type", path + ".type '" + abbreviate(type)
          + "' is not supported: only 'message' items are");
    }
    String roleName = optionalText(node, "role", path + ".role");
    Role role = roleName == null ? null : Role.fromWireName("developer".equals(roleName) ? "system" : roleName);
    if (role == null) {
      throw new InvalidRequestException(path + ".role", path + ".role must be 'user', 'assistant', 'system' or 'developer'");
    }
    JsonNode content = node.get("content");
    List<ItemContent> parts = new ArrayList<>();
    if (content != null && content.isTextual()) {
      parts.add(role == Role.ASSISTANT ? new ItemContent.OutputText(content.asText())
          : new ItemContent.InputText(content.asText()));
    } else if (content != null && content.isArray() && !content.isEmpty()) {
      for (int j = 0; j < content.size(); j++) {
        parts.add(parsePart(content.get(j), path + ".content[" + j + "]", role));
      }
    } else {
      throw new InvalidRequestException(path + ".content", path + ".content must be a string or a non-empty array of parts");
    }
    return item(role, parts);
  }

  private ItemContent parsePart(JsonNode part, String path, Role role) {
    String type = part.isObject() ? optionalText(part, "type", path + ".type") : null;
    if (type == null) {
      throw new InvalidRequestException(path + ".type", path
          + " must be an object with a 'type' of 'input_text', 'input_image' or 'output_text'");
    }
    switch (type) {
      case "input_text", "output_text" -> {
        JsonNode text = part.get("text");
        if (text == null || !text.isTextual()) {
          throw new InvalidRequestException(path + ".text", path + ".text must be a string");
        }
        return role == Role.ASSISTANT ? new ItemContent.OutputText(text.asText())
            : new ItemContent.InputText(text.asText());
      }
      case "input_image" -> {
        if (role != Role.USER) {
          throw new InvalidRequestException(path, path + ": only user messages may contain images");
        }
        JsonNode fileId = part.get("file_id");
        if (fileId != null && !fileId.isNull()) {
          throw new InvalidRequestException(path + ".file_id", path
              + ".file_id is not supported: send the image as a data: URL in image_url");
        }
        String url = optionalText(part, "image_url", path + ".image_url");
        if (url == null) {
          throw new InvalidRequestException(path + ".image_url", path + ".image_url is required: a data: URL");
        }
        byte[] bytes = ImageDataUrl.decode(url, path + ".image_url", limits.maxImageBytes());
        return ItemContent.InputImage.of(ImageDataUrl.mediaType(url), bytes);
      }
      default -> throw new InvalidRequestException(path + ".type", path + ".type '" + abbreviate(type)
          + "' is not supported: use 'input_text', 'input_image' or 'output_text'");
    }
  }

  private static ConversationItem item(Role role, List<ItemContent> content) {
    return new ConversationItem(SessionIds.item(), role, content, System.currentTimeMillis() / 1000);
  }

  private static Map<String, String> parseMetadata(JsonNode node) {
    if (node == null || node.isNull()) {
      return Map.of();
    }
    if (!node.isObject()) {
      throw new InvalidRequestException("metadata", "metadata must be an object of string values");
    }
    if (node.size() > MAX_METADATA) {
      throw new InvalidRequestException("metadata", "metadata has " + node.size() + " keys; at most " + MAX_METADATA
          + " are allowed");
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> entry : node.properties()) {
      if (entry.getKey().length() > MAX_METADATA_KEY) {
        throw new InvalidRequestException("metadata", "metadata keys must be at most " + MAX_METADATA_KEY + " characters");
      }
      if (!entry.getValue().isTextual() || entry.getValue().asText().length() > MAX_METADATA_VALUE) {
        throw new InvalidRequestException("metadata." + abbreviate(entry.getKey()), "metadata values must be strings of at most "
            + MAX_METADATA_VALUE + " characters");
      }
      metadata.put(entry.getKey(), entry.getValue().asText());
    }
    return metadata;
  }
}
