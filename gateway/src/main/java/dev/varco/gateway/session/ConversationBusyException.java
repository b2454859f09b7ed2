package dev.varco.gateway.session;

/** Another turn of the conversation is in progress; the client may send this one when it has completed. */
public class ConversationBusyException extends RuntimeException {
  public ConversationBusyException(String conversationId) {
    super("another response is in progress in conversation '" + conversationId
        + "'; send the next turn when it has completed");
  }
}
