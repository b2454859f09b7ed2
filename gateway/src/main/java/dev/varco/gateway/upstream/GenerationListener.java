package dev.varco.gateway.upstream;

import java.util.List;

/**
 * Receives one generation as it streams from the language model. Exactly one of {@link
 * #onCompletion} and {@link #onFailure} ends the stream. Called on gRPC threads.
 */
public interface GenerationListener {

  /**
   * A piece of the answer. {@code logprobs} has one entry per token the piece covers when the
   * turn asked for logprobs, else it is empty (a piece may have text "" but tokens, when their
   * text is held back for a stop string or a split character).
   */
  void onDelta(String text, List<TokenLogprob> logprobs);

  void onCompletion(FinishReason finishReason, TokenUsage usage);

  void onFailure(UpstreamFailure failure);

  /** Why generation ended, in OpenAI's words. */
  enum FinishReason {
    STOP("stop"),
    LENGTH("length");

    private final String openAiName;

    FinishReason(String openAiName) {
      this.openAiName = openAiName;
    }

    public String openAiName() {
      return openAiName;
    }
  }

  /**
   * Token counts of one turn. Prompt tokens include image tokens; {@code imageTokens} and
   * {@code cachedTokens} say how many of them were image embedding rows and reused KV cache.
   */
  record TokenUsage(int promptTokens, int completionTokens, int imageTokens, int cachedTokens) {
    public int totalTokens() {
      return promptTokens + completionTokens;
    }
  }

  /**
   * One generated token and its natural-log probability; {@code bytes} are the token's exact
   * bytes (part of a UTF-8 character for some tokens). {@code topLogprobs} are the most likely
   * tokens at that step, most likely first (their own list is empty).
   */
  record TokenLogprob(String token, byte[] bytes, double logprob, List<TokenLogprob> topLogprobs) {
    public TokenLogprob {
      topLogprobs = List.copyOf(topLogprobs);
    }
  }
}
