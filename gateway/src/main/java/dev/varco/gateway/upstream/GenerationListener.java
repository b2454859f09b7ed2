package dev.varco.gateway.upstream;

/**
 * Receives one generation as it streams from the language model. Exactly one of {@link
 * #onCompletion} and {@link #onFailure} ends the stream. Called on gRPC threads.
 */
public interface GenerationListener {

  void onDelta(String text);

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
}
