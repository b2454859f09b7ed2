package dev.varco.load.payload;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/** The JSON bodies the scenarios send: streamed chat completions and streamed Responses-API turns. */
public final class RequestBodies {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RequestBodies() {}

  /**
   * A streamed chat completion with {@code include_usage} (the usage chunk gives the exact output
   * token count), the text and optionally an image before it.
   */
  public static String chat(String text, Optional<String> imageDataUrl, int maxTokens) {
    ObjectNode body = JSON.createObjectNode();
    body.put("stream", true);
    body.put("max_tokens", maxTokens);
    body.putObject("stream_options").put("include_usage", true);
    ObjectNode message = body.putArray("messages").addObject().put("role", "user");
    ArrayNode content = message.putArray("content");
    imageDataUrl.ifPresent(url -> content.addObject().put("type", "image_url").putObject("image_url").put("url", url));
    content.addObject().put("type", "text").put("text", text);
    return body.toString();
  }

  /** One streamed turn of a server-side conversation: only the new input, optionally with an image. */
  public static String responsesTurn(String conversationId, String text, Optional<String> imageDataUrl, int maxTokens) {
    ObjectNode body = JSON.createObjectNode();
    body.put("conversation", conversationId);
    body.put("stream", true);
    body.put("max_output_tokens", maxTokens);
    if (imageDataUrl.isEmpty()) {
      body.put("input", text);
    } else {
      ArrayNode content = body.putArray("input").addObject().put("role", "user").putArray("content");
      content.addObject().put("type", "input_image").put("image_url", imageDataUrl.get());
      content.addObject().put("type", "input_text").put("text", text);
    }
    return body.toString();
  }
}
