package dev.varco.llm.text;

import java.util.List;

/** One turn of a conversation: a role ("system", "user", "assistant") and its parts in order. */
public record ChatMessage(String role, List<Part> parts) {
  public ChatMessage {
    parts = List.copyOf(parts);
  }

  /** A piece of a message's content. */
  public sealed interface Part permits Text, Image {}

  /** Text written by the caller; never parsed for the template's structural tokens. */
  public record Text(String text) implements Part {}

  /** Where an image goes; the template renders one image placeholder token for it. */
  public record Image() implements Part {}

  public static ChatMessage text(String role, String text) {
    return new ChatMessage(role, List.of(new Text(text)));
  }

  public long imageCount() {
    return parts.stream().filter(p -> p instanceof Image).count();
  }
}
