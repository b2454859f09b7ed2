package dev.varco.llm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.TinyModelResource;
import dev.varco.proto.llm.v1.Completion;
import dev.varco.proto.llm.v1.FinishReason;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.SamplingParams;
import dev.varco.proto.llm.v1.TokenLogprob;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Decoding controls through the gRPC API on the tiny model: each control's invariant or direction,
 * stop strings, logprobs, and validation. Expected outputs are derived from greedy runs of the same
 * prompt, never hard-coded.
 */
@QuarkusTest
@QuarkusTestResource(TinyModelResource.class)
class SamplingControlsTest extends GrpcApiTest {
  static final String PROMPT = "Tell me a story about a fox.";
  static final int TOKENS = 24;

  static SamplingParams.Builder greedy() {
    return SamplingParams.newBuilder().setTemperature(0).setMaxTokens(TOKENS);
  }

  static SamplingParams.Builder hot(long seed) {
    return SamplingParams.newBuilder().setTemperature(1.5f).setMaxTokens(TOKENS).setSeed(seed);
  }

  GenerateOutcome generate(SamplingParams.Builder sampling) {
    return generate(sampling, PROMPT);
  }

  GenerateOutcome generate(SamplingParams.Builder sampling, String prompt) {
    List<GenerateResponse> responses = new ArrayList<>();
    llm.generate(request(sampling.build(), text("user", prompt))).forEachRemaining(responses::add);
    assertTrue(responses.getLast().hasCompletion(), "the stream ends with a Completion");
    return new GenerateOutcome(responses);
  }

  @Test
  void topKOneAndTinyTopPEqualGreedy() {
    String greedyText = generate(greedy()).text();
    for (long seed = 1; seed <= 3; seed++) {
      assertEquals(greedyText, generate(hot(seed).setTopK(1)).text(), "top_k=1, seed " + seed);
      assertEquals(greedyText, generate(hot(seed).setTopP(1e-6f)).text(), "top_p=1e-6, seed " + seed);
    }
  }

  @Test
  void aSeedReproducesAndSeedsDiffer() {
    Set<String> texts = new HashSet<>();
    for (long seed = 10; seed < 15; seed++) {
      GenerateOutcome first = generate(hot(seed));
      assertEquals(first.text(), generate(hot(seed)).text(), "seed " + seed + " reproduces");
      texts.add(first.text());
    }
    assertTrue(texts.size() > 1, "five seeds at T=1.5 give more than one answer");
  }

  @Test
  void filtersNarrowTheDrawTowardsGreedy() {
    // min_p = 1 keeps only tokens as likely as the top one: greedy (no ties in a random model).
    assertEquals(generate(greedy()).text(), generate(hot(21).setMinP(1f)).text());
  }

  @Test
  void stopStringSpanningTwoTokensIsCutAndNotSent() {
    GenerateOutcome full = generate(greedy().setLogprobs(true));
    String text = full.text();
    String stop = stopAcrossATokenBoundary(text, full.logprobs());
    assertNotNull(stop, "the greedy answer has a token boundary between two plain characters: " + full.logprobs());

    GenerateOutcome stopped = generate(greedy().addStop(stop));
    assertEquals(text.substring(0, text.indexOf(stop)), stopped.text());
    assertFalse(stopped.text().contains(stop));
    assertEquals(FinishReason.FINISH_REASON_STOP, stopped.completion().getFinishReason());
    assertTrue(stopped.completion().getUsage().getCompletionTokens() < TOKENS);
  }

  @Test
  void heldBackTextIsSentWhenNoStopMatches() {
    String text = generate(greedy()).text();
    // Every answer character could start this stop string, yet it never completes.
    GenerateOutcome outcome = generate(greedy().addStop(text.isEmpty() ? "x\u0001" : text + "\u0001"));
    assertEquals(text, outcome.text());
    assertEquals(FinishReason.FINISH_REASON_LENGTH, outcome.completion().getFinishReason());
  }

  @Test
  void logprobsDescribeTheSampledTokenAndSortedAlternatives() {
    GenerateOutcome greedyRun = generate(greedy().setLogprobs(true).setTopLogprobs(5));
    assertEquals(greedyRun.deltaTokens(), greedyRun.logprobs().size(), "one entry per covered token");
    for (TokenLogprob step : greedyRun.logprobs()) {
      assertEquals(5, step.getTopLogprobsCount());
      assertEquals(step.getTokenId(), step.getTopLogprobs(0).getTokenId(), "greedy token is the most likely");
      assertEquals(step.getLogprob(), step.getTopLogprobs(0).getLogprob(), 0f);
      assertSortedProbabilities(step);
    }
    GenerateOutcome sampled = generate(hot(5).setTemperature(1f).setLogprobs(true).setTopLogprobs(20));
    for (TokenLogprob step : sampled.logprobs()) {
      assertSortedProbabilities(step);
      for (TokenLogprob alternative : step.getTopLogprobsList()) {
        if (alternative.getTokenId() == step.getTokenId()) {
          assertEquals(alternative.getLogprob(), step.getLogprob(), 0f, "the sampled token's logprob is its alternative entry's");
        }
      }
      assertTrue(step.getLogprob() <= step.getTopLogprobs(0).getLogprob());
    }
  }

  @Test
  void logprobBytesSpellTheAnswer() {
    GenerateOutcome korean = generate(greedy().setLogprobs(true), "서울 날씨 어때요?");
    var bytes = new java.io.ByteArrayOutputStream();
    korean.logprobs().forEach(t -> bytes.writeBytes(t.getBytes().toByteArray()));
    String spelled = bytes.toString(StandardCharsets.UTF_8);
    // A character cut by max_tokens is not sent as text but its first bytes are in the last token.
    assertEquals(korean.text(), spelled.replaceAll("\uFFFD+$", ""));
  }

  @Test
  void penaltiesBreakARepetitiveGreedyContinuation() {
    String prompt = "가 가 가 가 가 가 가 가 가 가 가 가";
    GenerateOutcome plain = generate(greedy().setMaxTokens(32).setLogprobs(true), prompt);
    int plainRepeats = repeats(plain.logprobs());
    assertTrue(plainRepeats > 0, "precondition: the greedy continuation repeats tokens: " + plain.text());
    GenerateOutcome frequency = generate(greedy().setMaxTokens(32).setLogprobs(true).setFrequencyPenalty(2f).setPresencePenalty(2f), prompt);
    assertTrue(repeats(frequency.logprobs()) < plainRepeats, plain.text() + " vs " + frequency.text());
    GenerateOutcome repetition = generate(greedy().setMaxTokens(32).setLogprobs(true).setRepetitionPenalty(5f), prompt);
    assertNotEquals(plain.text(), repetition.text());
    assertTrue(repeats(repetition.logprobs()) < plainRepeats, plain.text() + " vs " + repetition.text());
  }

  @Test
  void invalidControlsAreRejectedNamingTheField() {
    assertInvalid(greedy().setTopP(1.5f), "sampling.top_p must be in (0, 1], got 1.5");
    assertInvalid(greedy().setTopP(0f), "sampling.top_p");
    assertInvalid(greedy().setMinP(2f), "sampling.min_p");
    assertInvalid(greedy().setRepetitionPenalty(0f), "sampling.repetition_penalty");
    assertInvalid(greedy().setPresencePenalty(3f), "sampling.presence_penalty");
    assertInvalid(greedy().setFrequencyPenalty(Float.NaN), "sampling.frequency_penalty");
    assertInvalid(greedy().setLogprobs(true).setTopLogprobs(21), "sampling.top_logprobs");
    assertInvalid(greedy().setTopLogprobs(3), "sampling.top_logprobs");
    assertInvalid(greedy().addAllStop(List.of("a", "b", "c", "d", "e")), "sampling.stop");
    assertInvalid(greedy().addStop(""), "sampling.stop[0]");
    assertEquals(FinishReason.FINISH_REASON_LENGTH, generate(greedy().setMaxTokens(2)).completion().getFinishReason());
  }

  /** Generated tokens equal to an earlier generated token. */
  private static int repeats(List<TokenLogprob> tokens) {
    Set<Integer> seen = new HashSet<>();
    return (int) tokens.stream().filter(t -> !seen.add(t.getTokenId())).count();
  }

  /**
   * A two-character string made of the last character of one token and the first of the next,
   * whose first occurrence in the answer is exactly at that boundary; null if there is none.
   */
  private static String stopAcrossATokenBoundary(String text, List<TokenLogprob> tokens) {
    StringBuilder prefix = new StringBuilder();
    for (int i = 0; i < tokens.size() - 1; i++) {
      prefix.append(tokens.get(i).getToken());
      String next = tokens.get(i + 1).getToken();
      int boundary = prefix.length();
      if (!text.startsWith(prefix.toString()) || boundary == 0 || next.isEmpty() || !text.startsWith(next, boundary)) {
        continue;
      }
      String stop = text.substring(boundary - 1, boundary + 1);
      if (stop.chars().noneMatch(c -> Character.isSurrogate((char) c)) && stop.indexOf('\uFFFD') < 0 && text.indexOf(stop) == boundary - 1) {
        return stop;
      }
    }
    return null;
  }

  private static void assertSortedProbabilities(TokenLogprob step) {
    double mass = 0;
    for (int k = 0; k < step.getTopLogprobsCount(); k++) {
      float logprob = step.getTopLogprobs(k).getLogprob();
      assertTrue(logprob <= 0);
      if (k > 0) {
        assertTrue(logprob <= step.getTopLogprobs(k - 1).getLogprob(), "alternatives most likely first");
      }
      mass += Math.exp(logprob);
    }
    assertTrue(mass <= 1 + 1e-5, "alternatives' probabilities sum to at most 1: " + mass);
  }

  private void assertInvalid(SamplingParams.Builder sampling, String messageStart) {
    GenerateRequest request = request(sampling.build(), text("user", "hi"));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> llm.generate(request).forEachRemaining(r -> {}));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), String.valueOf(e.getStatus()));
    assertTrue(e.getStatus().getDescription().startsWith(messageStart), e.getStatus().getDescription());
  }
}
