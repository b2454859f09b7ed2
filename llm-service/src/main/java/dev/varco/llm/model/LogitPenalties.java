package dev.varco.llm.model;

import java.util.Map;

/**
 * Applies the repetition, presence and frequency penalties to raw logits in place, in that order
 * (vLLM's order).
 *
 * <ul>
 *   <li>repetition (HF/vLLM): for every token in the prompt or the output, a positive logit is
 *       divided by the penalty and a negative one multiplied by it;
 *   <li>presence (OpenAI): {@code presencePenalty} subtracted once from every generated token;
 *   <li>frequency (OpenAI): {@code frequencyPenalty * count} subtracted, count = times generated.
 * </ul>
 */
final class LogitPenalties {
  private LogitPenalties() {}

  static void apply(double[] logits, SamplingSettings settings, TokenHistory history) {
    float repetition = settings.repetitionPenalty();
    if (repetition != 1f) {
      var seen = history.seenTokens();
      for (int id = seen.nextSetBit(0); id >= 0 && id < logits.length; id = seen.nextSetBit(id + 1)) {
        logits[id] = logits[id] > 0 ? logits[id] / repetition : logits[id] * repetition;
      }
    }
    if (settings.presencePenalty() != 0f || settings.frequencyPenalty() != 0f) {
      for (Map.Entry<Integer, Integer> e : history.generatedCounts().entrySet()) {
        int id = e.getKey();
        if (id < logits.length) {
          logits[id] -= settings.presencePenalty() + settings.frequencyPenalty() * e.getValue();
        }
      }
    }
  }
}
