package dev.varco.gateway.chat;

/** A piece of message content: text, or the bytes of an image file. */
public sealed interface ChatPart {

  record Text(String text) implements ChatPart {}

  /** Image file bytes as uploaded (PNG or JPEG); the vision service decodes them. */
  record Image(byte[] bytes) implements ChatPart {}
}
