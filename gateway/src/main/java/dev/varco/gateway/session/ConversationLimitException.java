package dev.varco.gateway.session;

import dev.varco.gateway.chat.InvalidRequestException;

/**
 * The new input is fine on its own, but the conversation with it holds more messages or images
 * than one turn may send to the model: the conversation is full, not the request malformed. Still
 * an {@link InvalidRequestException} (a 400 on REST, as OpenAI answers); gRPC tells it apart.
 */
public class ConversationLimitException extends InvalidRequestException {
  public ConversationLimitException(String param, String message) {
    super(param, message);
  }
}
