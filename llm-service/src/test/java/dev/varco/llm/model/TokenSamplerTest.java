package dev.varco.llm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * The sampler's math against an independent computation here (plain softmax of the logits).
 * Tolerances: 1e-5 on logprobs (the sampler reports floats); 0.02 on frequencies from 20000 draws
 * (about 6 standard deviations for probabilities near 0.5).
 */
class TokenSamplerTest {
  /** softmax(L) = {0.1, 0.5, 0.15, 0.25}. */
  static final float[] LOGITS = logitsOf(0.1, 0.5, 0.15, 0.25);
  static final int DRAWS = 20000;
  static final double FREQUENCY_TOLERANCE = 0.02;
  static final double LOGPROB_TOLERANCE = 1e-5;

  @Test
  void temperatureZeroIsArgmaxLowestIdOnTies() {
    TokenSampler greedy = new TokenSampler(SamplingSettings.greedy());
    assertEquals(1, greedy.next(LOGITS, noHistory()).tokenId());
    assertEquals(1, greedy.next(new float[] {0f, 3f, 3f, -1f}, noHistory()).tokenId());
  }

  @Test
  void plainGreedyShortcutPicksWhatTheGeneralPathPicks() {
    // Plain greedy skips the double copy; with logprobs on the general path runs. Same winner,
    // ties (many here) to the lowest id, infinities included.
    java.util.SplittableRandom random = new java.util.SplittableRandom(3);
    TokenSampler general = new TokenSampler(new SamplingSettings(0f, 1f, 0, 0f, 1f, 0f, 0f, 0, true, 0));
    for (int round = 0; round < 200; round++) {
      float[] logits = new float[1 + random.nextInt(2000)];
      for (int i = 0; i < logits.length; i++) {
        logits[i] = (float) Math.floor(random.nextDouble() * 20) - 10;
      }
      if (round % 3 == 0) {
        logits[random.nextInt(logits.length)] = Float.NEGATIVE_INFINITY;
      }
      assertEquals(general.next(logits, noHistory()).tokenId(),
          new TokenSampler(SamplingSettings.greedy()).next(logits, noHistory()).tokenId());
    }
  }

  @Test
  void sameSeedSameSequence() {
    assertEquals(Arrays.toString(sample(settings(1f, 1f, 0, 0f, 42), 50)), Arrays.toString(sample(settings(1f, 1f, 0, 0f, 42), 50)));
    assertNotEquals(Arrays.toString(sample(settings(1f, 1f, 0, 0f, 42), 50)), Arrays.toString(sample(settings(1f, 1f, 0, 0f, 43), 50)));
  }

  @Test
  void frequenciesFollowTheTemperedDistribution() {
    for (float t : new float[] {1f, 0.5f, 2f}) {
      double[] expected = softmax(LOGITS, t);
      assertFrequencies(expected, settings(t, 1f, 0, 0f, 7));
    }
    // Low temperature concentrates on the argmax.
    int[] cold = sample(settings(0.05f, 1f, 0, 0f, 7), 200);
    assertTrue(IntStream.of(cold).allMatch(i -> i == 1));
  }

  @Test
  void topKKeepsTheKMostLikelyRenormalised() {
    // Top 2 are ids 1 (0.5) and 3 (0.25): 2/3 and 1/3 after renormalising.
    assertFrequencies(new double[] {0, 2 / 3.0, 0, 1 / 3.0}, settings(1f, 1f, 2, 0f, 11));
    assertTrue(IntStream.of(sample(settings(1f, 1f, 1, 0f, 11), 500)).allMatch(i -> i == 1), "top_k=1 is greedy");
  }

  @Test
  void topPKeepsTheSmallestNucleus() {
    // Sorted 0.5, 0.25, 0.15, 0.1: top_p 0.6 needs 0.5 + 0.25 -> ids 1 and 3.
    assertFrequencies(new double[] {0, 2 / 3.0, 0, 1 / 3.0}, settings(1f, 0.6f, 0, 0f, 13));
    assertTrue(IntStream.of(sample(settings(1f, 1e-6f, 0, 0f, 13), 500)).allMatch(i -> i == 1), "tiny top_p is greedy");
  }

  @Test
  void minPDropsTokensBelowAFractionOfTheTop() {
    // min_p 0.4 of 0.5 = 0.2: keeps 0.5 and 0.25.
    assertFrequencies(new double[] {0, 2 / 3.0, 0, 1 / 3.0}, settings(1f, 1f, 0, 0.4f, 17));
  }

  @Test
  void logprobsAreTheTemperedLogSoftmaxWithSortedAlternatives() {
    float t = 0.7f;
    TokenSampler sampler = new TokenSampler(new SamplingSettings(t, 1f, 0, 0f, 1f, 0f, 0f, 5, true, 3));
    double[] expected = softmax(LOGITS, t);
    for (int i = 0; i < 20; i++) {
      SampledToken token = sampler.next(LOGITS, noHistory());
      assertEquals(Math.log(expected[token.tokenId()]), token.logprob(), LOGPROB_TOLERANCE);
      assertArrayEquals(new int[] {1, 3, 2}, token.topTokenIds());
      for (int k = 0; k < 3; k++) {
        assertEquals(Math.log(expected[token.topTokenIds()[k]]), token.topLogprobs()[k], LOGPROB_TOLERANCE);
      }
    }
    // Greedy reports the untempered distribution (temperature counts as 1).
    SampledToken greedy =
        new TokenSampler(new SamplingSettings(0f, 1f, 0, 0f, 1f, 0f, 0f, 5, true, 1)).next(LOGITS, noHistory());
    assertEquals(1, greedy.tokenId());
    assertEquals(Math.log(0.5), greedy.logprob(), LOGPROB_TOLERANCE);
  }

  @Test
  void penaltiesFollowHuggingFaceAndOpenAiFormulas() {
    TokenHistory history = new TokenHistory(new int[] {0, 1});
    history.addGenerated(2);
    history.addGenerated(2);
    double[] scores = {2, -1, 0.5, 0};
    LogitPenalties.apply(scores, new SamplingSettings(1f, 1f, 0, 0f, 2f, 0.5f, 0.25f, 0, false, 0), history);
    // repetition 2 over {0, 1, 2}: 2/2, -1*2, 0.5/2; then presence 0.5 + frequency 0.25*2 on id 2.
    assertArrayEquals(new double[] {1, -2, 0.25 - 0.5 - 0.5, 0}, scores, 1e-12);
    // Greedy picks from penalised logits: id 0 (2.0) without the penalty, id 3 (1.5, never seen)
    // once repetition 3 turns id 0 into 0.667.
    float[] logits = {2f, -1f, 0.5f, 1.5f};
    assertEquals(0, new TokenSampler(SamplingSettings.greedy()).next(logits, history).tokenId());
    TokenSampler greedyPenalised = new TokenSampler(new SamplingSettings(0f, 1f, 0, 0f, 3f, 0f, 0f, 0, false, 0));
    assertEquals(3, greedyPenalised.next(logits, history).tokenId());
  }

  @Test
  void settingsRejectOutOfRangeValuesNamingTheField() {
    assertMessage("temperature", () -> settings(-0.1f, 1f, 0, 0f, 0));
    assertMessage("temperature", () -> settings(Float.NaN, 1f, 0, 0f, 0));
    assertMessage("top_p must be in (0, 1], got 1.5", () -> settings(1f, 1.5f, 0, 0f, 0));
    assertMessage("top_p", () -> settings(1f, 0f, 0, 0f, 0));
    assertMessage("top_k", () -> settings(1f, 1f, -1, 0f, 0));
    assertMessage("min_p", () -> settings(1f, 1f, 0, 1.1f, 0));
    assertMessage("repetition_penalty", () -> new SamplingSettings(1f, 1f, 0, 0f, 0f, 0f, 0f, 0, false, 0));
    assertMessage("presence_penalty", () -> new SamplingSettings(1f, 1f, 0, 0f, 1f, 2.5f, 0f, 0, false, 0));
    assertMessage("frequency_penalty", () -> new SamplingSettings(1f, 1f, 0, 0f, 1f, 0f, -3f, 0, false, 0));
    assertMessage("top_logprobs", () -> new SamplingSettings(1f, 1f, 0, 0f, 1f, 0f, 0f, 0, true, 21));
  }

  private static void assertMessage(String start, Runnable build) {
    var e = assertThrows(IllegalArgumentException.class, build::run);
    assertTrue(e.getMessage().startsWith(start), e.getMessage());
  }

  private static void assertFrequencies(double[] expected, SamplingSettings settings) {
    int[] counts = new int[expected.length];
    for (int token : sample(settings, DRAWS)) {
      counts[token]++;
    }
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], counts[i] / (double) DRAWS, FREQUENCY_TOLERANCE, "token " + i + " with " + settings);
    }
  }

  private static SamplingSettings settings(float t, float topP, int topK, float minP, long seed) {
    return new SamplingSettings(t, topP, topK, minP, 1f, 0f, 0f, seed, false, 0);
  }

  private static int[] sample(SamplingSettings settings, int n) {
    TokenSampler sampler = new TokenSampler(settings);
    return IntStream.range(0, n).map(i -> sampler.next(LOGITS, noHistory()).tokenId()).toArray();
  }

  private static TokenHistory noHistory() {
    return new TokenHistory(new int[0]);
  }

  private static float[] logitsOf(double... probabilities) {
    float[] logits = new float[probabilities.length];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (float) Math.log(probabilities[i]);
    }
    return logits;
  }

  /** Independent reference: softmax(logits / t) in double. */
  private static double[] softmax(float[] logits, float t) {
    double[] e = new double[logits.length];
    double sum = 0;
    for (int i = 0; i < logits.length; i++) {
      e[i] = Math.exp(logits[i] / (double) t);
      sum += e[i];
    }
    for (int i = 0; i < e.length; i++) {
      e[i] /= sum;
    }
    return e;
  }
}
