package dev.varco.llm.model;

/**
 * A chosen token and, when logprobs were asked for, its natural-log probability and the most
 * likely alternatives (ids and log-probabilities, most likely first).
 */
public record SampledToken(int tokenId, float logprob, int[] topTokenIds, float[] topLogprobs) {
  static SampledToken withoutLogprobs(int tokenId) {
    return new SampledToken(tokenId, Float.NaN, new int[0], new float[0]);
  }
}
