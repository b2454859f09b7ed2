package dev.varco.gateway.chat;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The rules every turn must satisfy, whichever edge (REST or gRPC) it came through. Each refusal
 * names the field and, for limits, the configuration key that sets it.
 */
@ApplicationScoped
public class ChatTurnRules {
  /** OpenAI's error code for input over the model's context. */
  public static final String CONTEXT_LENGTH_EXCEEDED = "context_length_exceeded";
  private final ChatLimits limits;

  @Inject
  public ChatTurnRules(ChatLimits limits) {
    this.limits = limits;
  }

  public ChatLimits limits() {
    return limits;
  }

  public void check(ChatTurn turn) {
    if (turn.messages().isEmpty()) {
      throw new InvalidRequestException("messages", "'messages' must be a non-empty array of chat messages");
    }
    if (turn.messages().size() > limits.maxMessages()) {
      throw new InvalidRequestException("messages", "'messages' has " + turn.messages().size()
          + " entries, over the limit of " + limits.maxMessages() + " (varco.gateway.max-messages)");
    }
    if (turn.messages().getLast().role() != ChatMessage.Role.USER) {
      throw new InvalidRequestException("messages", "the last message must have role 'user'");
    }
    checkCharacters(turn);
    if (turn.imageCount() > limits.maxImages()) {
      throw new InvalidRequestException("messages", "the conversation has " + turn.imageCount()
          + " images, over the limit of " + limits.maxImages() + " (varco.gateway.max-images)");
    }
    for (int i = 0; i < turn.messages().size(); i++) {
      ChatMessage message = turn.messages().get(i);
      for (int j = 0; j < message.parts().size(); j++) {
        if (message.parts().get(j) instanceof ChatPart.Image image) {
          String where = "messages[" + i + "].content[" + j + "]";
          if (message.role() != ChatMessage.Role.USER) {
            throw new InvalidRequestException(where, where + ": only user messages may contain images");
          }
          if (image.bytes().length == 0) {
            throw new InvalidRequestException(where, where + " holds no image data");
          }
          if (image.bytes().length > limits.maxImageBytes()) {
            throw new InvalidRequestException(where, where + " is " + image.bytes().length
                + " bytes, over the " + limits.maxImageBytes() + "-byte image limit (varco.gateway.max-image-bytes)");
          }
        }
      }
    }
    checkSampling(turn.sampling());
  }

  /**
   * The text over the character caps is a context overflow found without tokenizing it
   * ({@code context_length_exceeded}, as OpenAI answers a prompt over the context).
   */
  private void checkCharacters(ChatTurn turn) {
    long total = 0;
    for (int i = 0; i < turn.messages().size(); i++) {
      long chars = 0;
      for (ChatPart part : turn.messages().get(i).parts()) {
        if (part instanceof ChatPart.Text text) {
          chars += text.text().length();
        }
      }
      String where = "messages[" + i + "].content";
      if (chars > limits.maxMessageChars()) {
        throw new InvalidRequestException(where, where + " has " + chars + " characters of text, over the limit of "
            + limits.maxMessageChars() + " per message (varco.gateway.max-message-chars); it would not fit the"
            + " model's context", CONTEXT_LENGTH_EXCEEDED);
      }
      total += chars;
      if (total > limits.maxRequestChars()) {
        throw new InvalidRequestException(where, "the messages up to " + where + " have " + total
            + " characters of text, over the limit of " + limits.maxRequestChars()
            + " per request (varco.gateway.max-request-chars); they would not fit the model's context",
            CONTEXT_LENGTH_EXCEEDED);
      }
    }
  }

  /** Ranges as OpenAI's API documents them; the extensions as vLLM and llama.cpp accept them. */
  private void checkSampling(Sampling sampling) {
    requireBetween("temperature", sampling.temperature(), 0.0, 2.0);
    if (sampling.maxTokens() < 0 || sampling.maxTokens() > limits.maxCompletionTokens()) {
      throw new InvalidRequestException("max_tokens", "max_tokens must be between 1 and "
          + limits.maxCompletionTokens() + " (varco.gateway.max-completion-tokens)");
    }
    if (sampling.topP().isPresent()) {
      requireBetween("top_p", sampling.topP().getAsDouble(), 0.0, 1.0);
    }
    if (sampling.topK() < 0) {
      throw new InvalidRequestException("top_k", "top_k must be a positive integer, or 0 or -1 for no limit");
    }
    requireBetween("min_p", sampling.minP(), 0.0, 1.0);
    if (sampling.repetitionPenalty().isPresent()) {
      double penalty = sampling.repetitionPenalty().getAsDouble();
      if (!(penalty > 0.0 && Double.isFinite(penalty))) {
        throw new InvalidRequestException("repetition_penalty", "repetition_penalty must be a number greater than 0 (1 = off)");
      }
    }
    requireBetween("presence_penalty", sampling.presencePenalty(), -2.0, 2.0);
    requireBetween("frequency_penalty", sampling.frequencyPenalty(), -2.0, 2.0);
    if (sampling.stop().size() > Sampling.MAX_STOP_STRINGS) {
      throw new InvalidRequestException("stop", "stop has " + sampling.stop().size() + " strings; at most "
          + Sampling.MAX_STOP_STRINGS + " are allowed");
    }
    if (sampling.stop().stream().anyMatch(String::isEmpty)) {
      throw new InvalidRequestException("stop", "stop strings must not be empty");
    }
    if (sampling.topLogprobs() < 0 || sampling.topLogprobs() > Sampling.MAX_TOP_LOGPROBS) {
      throw new InvalidRequestException("top_logprobs", "top_logprobs must be an integer between 0 and "
          + Sampling.MAX_TOP_LOGPROBS);
    }
    if (sampling.topLogprobs() > 0 && !sampling.logprobs()) {
      throw new InvalidRequestException("top_logprobs", "top_logprobs requires logprobs to be true");
    }
  }

  private static void requireBetween(String param, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new InvalidRequestException(param, param + " must be a number between " + format(min) + " and " + format(max));
    }
  }

  private static String format(double bound) {
    return bound == Math.rint(bound) ? Long.toString((long) bound) : Double.toString(bound);
  }
}
