package dev.varco.llm.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from the decoder's raw logits for the last position, in vLLM's order:
 * penalties ({@link LogitPenalties}), temperature, then top_k, top_p and min_p filtering, then a
 * draw from the surviving tokens' renormalised probabilities with a {@link SplittableRandom} seeded
 * per request (same seed and inputs give the same tokens; one draw per step).
 *
 * <p>Temperature 0 is argmax of the penalised logits (lowest id wins ties) and ignores the
 * filters. Logprobs are OpenAI's: log-softmax of penalised logits divided by the temperature (1
 * when greedy), before any filtering, so they describe the model's tempered distribution rather
 * than the truncated one actually drawn from.
 */
public final class TokenSampler {
  private final SamplingSettings settings;
  private final SplittableRandom random;

  public TokenSampler(SamplingSettings settings) {
    this.settings = settings;
    this.random = new SplittableRandom(settings.seed());
  }

  public SampledToken next(float[] logits, TokenHistory history) {
    if (settings.temperature() == 0f && !settings.hasPenalties() && !settings.logprobs()) {
      // Plain greedy: argmax of the raw logits, no copy (float to double is exact, so the
      // winner, ties to the lowest id included, is the one the general path picks).
      return SampledToken.withoutLogprobs(argmax(logits));
    }
    double[] scores = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      scores[i] = logits[i];
    }
    if (settings.hasPenalties()) {
      LogitPenalties.apply(scores, settings, history);
    }
    boolean greedy = settings.temperature() == 0f;
    int greedyToken = greedy ? argmax(scores) : -1;
    if (greedy && !settings.logprobs()) {
      return SampledToken.withoutLogprobs(greedyToken);
    }
    double[] logProbs = logSoftmax(scores, greedy ? 1.0 : settings.temperature());
    int token = greedy ? greedyToken : draw(logProbs);
    if (!settings.logprobs()) {
      return SampledToken.withoutLogprobs(token);
    }
    int[] top = Arrays.copyOf(descendingOrder(logProbs), Math.min(settings.topLogprobs(), logProbs.length));
    float[] topLogprobs = new float[top.length];
    for (int i = 0; i < top.length; i++) {
      topLogprobs[i] = (float) logProbs[top[i]];
    }
    return new SampledToken(token, (float) logProbs[token], top, topLogprobs);
  }

  private int draw(double[] logProbs) {
    boolean filtered = settings.topK() > 0 || settings.topP() < 1f || settings.minP() > 0f;
    int[] candidates = filtered ? keptByFilters(logProbs) : null;
    int count = filtered ? candidates.length : logProbs.length;
    double total = 0;
    for (int c = 0; c < count; c++) {
      total += Math.exp(logProbs[filtered ? candidates[c] : c]);
    }
    double target = random.nextDouble() * total;
    double cumulative = 0;
    int last = filtered ? candidates[0] : argmax(logProbs);
    for (int c = 0; c < count; c++) {
      int id = filtered ? candidates[c] : c;
      double p = Math.exp(logProbs[id]);
      if (p > 0) {
        cumulative += p;
        last = id;
        if (cumulative > target) {
          return id;
        }
      }
    }
    return last;
  }

  /** Token ids surviving top_k, then top_p (on the top_k survivors, renormalised), then min_p. */
  private int[] keptByFilters(double[] logProbs) {
    int[] order = descendingOrder(logProbs);
    int kept = settings.topK() > 0 ? Math.min(settings.topK(), order.length) : order.length;
    if (settings.topP() < 1f) {
      double mass = 0;
      for (int i = 0; i < kept; i++) {
        mass += Math.exp(logProbs[order[i]]);
      }
      double cumulative = 0;
      int nucleus = kept;
      for (int i = 0; i < kept; i++) {
        cumulative += Math.exp(logProbs[order[i]]);
        if (cumulative >= settings.topP() * mass) {
          nucleus = i + 1;
          break;
        }
      }
      kept = nucleus;
    }
    if (settings.minP() > 0f) {
      // A ratio to the top probability, so renormalisation by earlier filters does not change it.
      double threshold = logProbs[order[0]] + Math.log(settings.minP());
      int aboveMin = 1;
      while (aboveMin < kept && logProbs[order[aboveMin]] >= threshold) {
        aboveMin++;
      }
      kept = aboveMin;
    }
    return Arrays.copyOf(order, kept);
  }

  /** log(softmax(scores / temperature)), computed in double with the max subtracted first. */
  static double[] logSoftmax(double[] scores, double temperature) {
    double max = Double.NEGATIVE_INFINITY;
    double[] out = new double[scores.length];
    for (int i = 0; i < scores.length; i++) {
      out[i] = scores[i] / temperature;
      max = Math.max(max, out[i]);
    }
    double sum = 0;
    for (double v : out) {
      sum += Math.exp(v - max);
    }
    double logSum = max + Math.log(sum);
    for (int i = 0; i < out.length; i++) {
      out[i] -= logSum;
    }
    return out;
  }

  /**
   * Ids ordered by value, largest first, lowest id first among equal values. Sorts primitive keys
   * (value as a float in the high half, id in the low half) to avoid boxing a vocabulary of ids.
   */
  static int[] descendingOrder(double[] values) {
    long[] keys = new long[values.length];
    for (int i = 0; i < values.length; i++) {
      int bits = Float.floatToIntBits((float) values[i]);
      int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF); // signed-int order equals float order
      keys[i] = ((long) ~ordered << 32) | i;
    }
    Arrays.sort(keys);
    int[] order = new int[values.length];
    for (int i = 0; i < values.length; i++) {
      order[i] = (int) keys[i];
    }
    return order;
  }

  static int argmax(float[] values) {
    int best = 0;
    float bestValue = values[0];
    for (int i = 1; i < values.length; i++) {
      if (values[i] > bestValue) {
        best = i;
        bestValue = values[i];
      }
    }
    return best;
  }

  static int argmax(double[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }
}
