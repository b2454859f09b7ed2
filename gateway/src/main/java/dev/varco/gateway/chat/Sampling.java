package dev.varco.gateway.chat;

import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * How to sample the answer of one turn, independent of the wire format it came in. Ranges are
 * checked by {@link ChatTurnRules}; "off" values are the neutral ones (0, empty, false).
 *
 * @param temperature 0 = greedy
 * @param maxTokens 0 = the language model's default
 * @param topP nucleus mass in [0, 1]; empty = 1 (off); 0 keeps only the most likely token
 * @param topK keep the k most likely tokens; 0 = off
 * @param minP in [0, 1]; 0 = off
 * @param repetitionPenalty HF/vLLM repetition penalty, > 0; empty = 1 (off)
 * @param presencePenalty OpenAI presence penalty in [-2, 2]
 * @param frequencyPenalty OpenAI frequency penalty in [-2, 2]
 * @param stop up to 4 non-empty strings that end the answer (not included in it)
 * @param logprobs report the log probability of each generated token
 * @param topLogprobs with logprobs, also this many most likely alternatives per token (0..20)
 */
public record Sampling(
    double temperature,
    int maxTokens,
    OptionalLong seed,
    OptionalDouble topP,
    int topK,
    double minP,
    OptionalDouble repetitionPenalty,
    double presencePenalty,
    double frequencyPenalty,
    List<String> stop,
    boolean logprobs,
    int topLogprobs) {

  public static final int MAX_STOP_STRINGS = 4;
  public static final int MAX_TOP_LOGPROBS = 20;

  public Sampling {
    stop = List.copyOf(stop);
  }

  /** Only temperature, max tokens and seed set; every other control off. */
  public static Sampling basic(double temperature, int maxTokens, OptionalLong seed) {
    return new Sampling(temperature, maxTokens, seed, OptionalDouble.empty(), 0, 0.0, OptionalDouble.empty(), 0.0, 0.0,
        List.of(), false, 0);
  }
}
