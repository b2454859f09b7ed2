package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.gateway.session.Conversation;
import dev.varco.gateway.session.ConversationItem;
import dev.varco.gateway.session.ItemContent;
import dev.varco.gateway.session.ResponseRecord;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * The JSON objects of OpenAI's Conversations and Responses APIs, with the fields the official
 * SDKs require: {@code conversation}, {@code conversation.deleted}, message items, item lists and
 * {@code response}.
 */
final class ResponsesJson {
  private final ObjectMapper json;

  ResponsesJson(ObjectMapper json) {
    this.json = json;
  }

  ObjectNode conversation(Conversation conversation) {
    ObjectNode node = json.createObjectNode();
    node.put("id", conversation.id());
    node.put("object", "conversation");
    node.put("created_at", conversation.createdAt());
    node.set("metadata", metadata(conversation.metadata()));
    return node;
  }

  ObjectNode conversationDeleted(String id) {
    ObjectNode node = json.createObjectNode();
    node.put("id", id);
    node.put("object", "conversation.deleted");
    node.put("deleted", true);
    return node;
  }

  /** OpenAI's list object: {@code data}, {@code first_id}, {@code last_id}, {@code has_more}. */
  ObjectNode itemList(List<ConversationItem> items, boolean hasMore) {
    return list(items.stream().map(item -> item(item, "completed")).toList(), hasMore);
  }

  /** A page of conversations (the list extension), in the shape of OpenAI's lists. */
  ObjectNode conversationList(List<Conversation> conversations, boolean hasMore) {
    return list(conversations.stream().map(this::conversation).toList(), hasMore);
  }

  private ObjectNode list(List<ObjectNode> entries, boolean hasMore) {
    ObjectNode node = json.createObjectNode();
    node.put("object", "list");
    node.putArray("data").addAll(entries);
    node.put("first_id", entries.isEmpty() ? null : entries.getFirst().get("id").asText());
    node.put("last_id", entries.isEmpty() ? null : entries.getLast().get("id").asText());
    node.put("has_more", hasMore);
    return node;
  }

  /** A message item; images come back as the data: URL they were sent as. */
  ObjectNode item(ConversationItem item, String status) {
    ObjectNode node = json.createObjectNode();
    node.put("id", item.id());
    node.put("type", "message");
    node.put("status", status);
    node.put("role", item.role().wireName());
    ArrayNode content = node.putArray("content");
    item.content().forEach(part -> content.add(part(part)));
    return node;
  }

  ObjectNode part(ItemContent part) {
    ObjectNode node = json.createObjectNode();
    switch (part) {
      case ItemContent.InputText text -> {
        node.put("type", "input_text");
        node.put("text", text.text());
      }
      case ItemContent.OutputText text -> outputText(node, text.text());
      case ItemContent.InputImage image -> {
        node.put("type", "input_image");
        node.put("image_url", "data:" + image.mediaType() + ";base64," + Base64.getEncoder().encodeToString(image.bytes()));
        node.put("detail", "auto");
        node.putNull("file_id");
      }
    }
    return node;
  }

  ObjectNode outputText(ObjectNode node, String text) {
    node.put("type", "output_text");
    node.put("text", text);
    node.putArray("annotations");
    node.putArray("logprobs");
    return node;
  }

  /** The {@code response} object; {@code usage} is null while in progress. */
  ObjectNode response(ResponseRecord response, boolean store) {
    ObjectNode node = json.createObjectNode();
    node.put("id", response.id());
    node.put("object", "response");
    node.put("created_at", response.createdAt());
    node.put("status", response.status());
    node.put("background", false);
    node.putNull("error");
    if (response.incompleteReason() == null) {
      node.putNull("incomplete_details");
    } else {
      node.putObject("incomplete_details").put("reason", response.incompleteReason());
    }
    node.put("instructions", response.instructions());
    if (response.maxOutputTokens().isPresent()) {
      node.put("max_output_tokens", response.maxOutputTokens().getAsInt());
    } else {
      node.putNull("max_output_tokens");
    }
    node.put("model", response.model());
    ArrayNode output = node.putArray("output");
    response.output().forEach(item -> output.add(item(item, outputStatus(response))));
    node.put("parallel_tool_calls", false);
    node.put("previous_response_id", response.previousResponseId());
    if (response.conversationId() == null) {
      node.putNull("conversation");
    } else {
      node.putObject("conversation").put("id", response.conversationId());
    }
    node.put("store", store);
    node.put("temperature", response.temperature());
    node.putObject("text").putObject("format").put("type", "text");
    node.put("tool_choice", "none");
    node.putArray("tools");
    node.put("top_p", response.topP().orElse(1.0));
    node.put("truncation", "disabled");
    if (response.usage() == null) {
      node.putNull("usage");
    } else {
      node.set("usage", usage(response.usage()));
    }
    node.putNull("user");
    node.set("metadata", metadata(response.metadata()));
    return node;
  }

  /** OpenAI's usage plus {@code input_tokens_details.image_tokens}, as chat completions report it. */
  private ObjectNode usage(ResponseRecord.Usage usage) {
    ObjectNode node = json.createObjectNode();
    node.put("input_tokens", usage.inputTokens());
    ObjectNode inputDetails = node.putObject("input_tokens_details");
    inputDetails.put("cached_tokens", usage.cachedTokens());
    inputDetails.put("cache_write_tokens", 0); // required by the SDKs; this server has no prompt-cache writes to bill
    inputDetails.put("image_tokens", usage.imageTokens());
    node.put("output_tokens", usage.outputTokens());
    node.putObject("output_tokens_details").put("reasoning_tokens", 0);
    node.put("total_tokens", usage.totalTokens());
    return node;
  }

  private ObjectNode metadata(Map<String, String> metadata) {
    ObjectNode node = json.createObjectNode();
    metadata.forEach(node::put);
    return node;
  }

  /** An answer cut by max_output_tokens is an incomplete item of an incomplete response, as in OpenAI's API. */
  static String outputStatus(ResponseRecord response) {
    return "incomplete".equals(response.status()) ? "incomplete" : "completed";
  }
}
