package dev.varco.llm.model;

/**
 * How to pick each next token (OpenAI/vLLM semantics; see the README's sampling section).
 *
 * @param temperature 0 = greedy; otherwise logits are divided by it
 * @param topP nucleus mass in (0, 1]; 1 = off
 * @param topK keep the k most likely tokens; 0 = off
 * @param minP drop tokens below minP times the top probability; 0 = off
 * @param repetitionPenalty HF-style, over prompt and generated tokens; 1 = off
 * @param presencePenalty OpenAI-style, once per distinct generated token; 0 = off
 * @param frequencyPenalty OpenAI-style, once per occurrence in the generated tokens; 0 = off
 * @param topLogprobs alternatives to report per step when {@code logprobs}
 */
public record SamplingSettings(
    float temperature,
    float topP,
    int topK,
    float minP,
    float repetitionPenalty,
    float presencePenalty,
    float frequencyPenalty,
    long seed,
    boolean logprobs,
    int topLogprobs) {
  public static final int MAX_TOP_LOGPROBS = 20;

  public SamplingSettings {
    require(Float.isFinite(temperature) && temperature >= 0, "temperature must be a finite number >= 0, got " + temperature);
    require(topP > 0 && topP <= 1, "top_p must be in (0, 1], got " + topP);
    require(topK >= 0, "top_k must be >= 0, got " + topK);
    require(minP >= 0 && minP <= 1, "min_p must be in [0, 1], got " + minP);
    require(Float.isFinite(repetitionPenalty) && repetitionPenalty > 0, "repetition_penalty must be a finite number > 0, got " + repetitionPenalty);
    require(presencePenalty >= -2 && presencePenalty <= 2, "presence_penalty must be in [-2, 2], got " + presencePenalty);
    require(frequencyPenalty >= -2 && frequencyPenalty <= 2, "frequency_penalty must be in [-2, 2], got " + frequencyPenalty);
    require(topLogprobs >= 0 && topLogprobs <= MAX_TOP_LOGPROBS, "top_logprobs must be in [0, " + MAX_TOP_LOGPROBS + "], got " + topLogprobs);
  }

  /** Argmax decoding with every control off. */
  public static SamplingSettings greedy() {
    return new SamplingSettings(0f, 1f, 0, 0f, 1f, 0f, 0f, 0L, false, 0);
  }

  /** Plain softmax sampling at {@code temperature} with every other control off. */
  public static SamplingSettings tempered(float temperature, long seed) {
    return new SamplingSettings(temperature, 1f, 0, 0f, 1f, 0f, 0f, seed, false, 0);
  }

  boolean hasPenalties() {
    return repetitionPenalty != 1f || presencePenalty != 0f || frequencyPenalty != 0f;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
