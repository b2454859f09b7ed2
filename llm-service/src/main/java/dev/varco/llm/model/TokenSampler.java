package dev.varco.llm.model;

import java.util.SplittableRandom;

/**
 * Picks the next token from the decoder's next-token probabilities. Temperature 0 is argmax
 * (lowest id wins ties); otherwise p_i^(1/T), renormalised, which equals softmax(logits / T),
 * sampled with a {@link SplittableRandom} seeded per request so the same seed and inputs give the
 * same tokens.
 */
public final class TokenSampler {
  private final float temperature;
  private final SplittableRandom random;

  public TokenSampler(float temperature, long seed) {
    if (!(temperature >= 0) || Float.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
    }
    this.temperature = temperature;
    this.random = new SplittableRandom(seed);
  }

  public int next(float[] probabilities) {
    if (temperature == 0f) {
      return argmax(probabilities);
    }
    // Work in log space so low temperatures do not underflow to all zeros.
    double inverseT = 1.0 / temperature;
    double maxLog = Double.NEGATIVE_INFINITY;
    double[] weights = new double[probabilities.length];
    for (int i = 0; i < probabilities.length; i++) {
      weights[i] = probabilities[i] > 0 ? Math.log(probabilities[i]) * inverseT : Double.NEGATIVE_INFINITY;
      maxLog = Math.max(maxLog, weights[i]);
    }
    if (maxLog == Double.NEGATIVE_INFINITY) {
      return argmax(probabilities);
    }
    double total = 0;
    for (int i = 0; i < weights.length; i++) {
      weights[i] = Math.exp(weights[i] - maxLog);
      total += weights[i];
    }
    double target = random.nextDouble() * total;
    double cumulative = 0;
    int lastPositive = 0;
    for (int i = 0; i < weights.length; i++) {
      if (weights[i] > 0) {
        cumulative += weights[i];
        lastPositive = i;
        if (cumulative > target) {
          return i;
        }
      }
    }
    return lastPositive;
  }

  static int argmax(float[] values) {
    int best = 0;
    for (int i = 1; i < values.length; i++) {
      if (values[i] > values[best]) {
        best = i;
      }
    }
    return best;
  }
}
