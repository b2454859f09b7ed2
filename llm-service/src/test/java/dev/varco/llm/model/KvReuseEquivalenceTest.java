package dev.varco.llm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.transformer.KvCache;
import dev.varco.llm.TinyModelDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * A KV buffer left behind by one sequence, reused for the shared prefix of the next, must give
 * exactly what a fresh buffer gives: same greedy tokens, same logprobs. Checked on the tiny model
 * and at Qwen2.5-0.5B's width. Also checks {@link KvFootprint} against the pages Jlama actually
 * allocated.
 */
class KvReuseEquivalenceTest {
  static final int MAX_TOKENS = 8;
  static final SamplingSettings GREEDY_WITH_LOGPROBS = new SamplingSettings(0f, 1f, 0, 0f, 1f, 0f, 0f, 0L, true, 5);

  record Run(int[] tokens, float[] logprobs, PromptContent content) {}

  @Test
  void tinyModel() throws Exception {
    check(TinyModelDirectory.llmDir(), Path.of("target", "kv-reuse-work"), 150000);
  }

  @Test
  void realisticWidth() throws Exception {
    var shape = new RandomQwen2Checkpoint.Shape(896, 1024, 2, 14, 2, 300, 512);
    Path dir = Path.of("target", "random-qwen2-kv-reuse");
    RandomQwen2Checkpoint.write(dir.resolve("llm"), shape, 43);
    check(dir.resolve("llm"), dir.resolve("work"), shape.vocab() - 2);
  }

  private void check(Path llmDir, Path workDir, int vocab) throws Exception {
    Files.createDirectories(workDir);
    SplittableRandom random = new SplittableRandom(11);
    int[] first = random.ints(23, 0, vocab).toArray();
    try (DecoderModel model = DecoderModel.load(llmDir, 4)) {
      // Turn 1, then turn 2 = turn 1's prompt + its answer + new tokens: reuses all of turn 1.
      Run turn1;
      Run cold;
      Run warm;
      try (KvCache kv = model.newKvCache()) {
        turn1 = run(model, PromptRows.ofTokens(first), kv, 0);
        int[] second = concat(first, turn1.tokens(), random.ints(9, 0, vocab).toArray());
        PromptRows turn2 = PromptRows.ofTokens(second);
        int shared = turn1.content().sharedPrefixLength(turn2.content());
        // Everything but the last answer token went through the model.
        assertEquals(first.length + MAX_TOKENS - 1, shared);
        assertFootprint(model, kv, first.length + MAX_TOKENS - 1);
        warm = run(model, turn2, kv, shared);
        try (KvCache fresh = model.newKvCache()) {
          cold = run(model, turn2, fresh, 0);
        }
      }
      assertArrayEquals(cold.tokens(), warm.tokens(), "greedy tokens on a cache hit");
      assertArrayEquals(cold.logprobs(), warm.logprobs(), 1e-6f, "logprobs on a cache hit");

      // A buffer holding a longer, diverging sequence: positions past the shared prefix are stale
      // and must be overwritten, never read.
      try (KvCache kv = model.newKvCache()) {
        int[] diverging = concat(Arrays.copyOf(first, 10), random.ints(30, 0, vocab).toArray());
        Run other = run(model, PromptRows.ofTokens(diverging), kv, 0);
        PromptRows retry = PromptRows.ofTokens(concat(first, turn1.tokens(), new int[0]));
        int shared = other.content().sharedPrefixLength(retry.content());
        assertEquals(10, shared);
        Run reused = run(model, retry, kv, shared);
        try (KvCache fresh = model.newKvCache()) {
          Run expected = run(model, retry, fresh, 0);
          assertArrayEquals(expected.tokens(), reused.tokens());
          assertArrayEquals(expected.logprobs(), reused.logprobs(), 1e-6f);
        }
      }
    }
  }

  private static Run run(DecoderModel model, PromptRows prompt, KvCache kv, int reused) {
    List<SampledToken> sampled = new ArrayList<>();
    DecodingSequence sequence = new DecodingSequence(
        model, prompt, kv, Math.min(reused, prompt.length() - 1), MAX_TOKENS, model.safePositions(),
        new TokenSampler(GREEDY_WITH_LOGPROBS), Set.of(), (token, position) -> !sampled.add(token));
    while (!sequence.isFinished()) {
      sequence.step();
    }
    assertEquals(FinishReason.LENGTH, sequence.result().finishReason());
    int[] tokens = sampled.stream().mapToInt(SampledToken::tokenId).toArray();
    float[] logprobs = new float[sampled.size()];
    for (int i = 0; i < logprobs.length; i++) {
      logprobs[i] = sampled.get(i).logprob();
    }
    return new Run(tokens, logprobs, sequence.kvContent());
  }

  /** The pages a cache allocated hold exactly what KvFootprint says. */
  private static void assertFootprint(DecoderModel model, KvCache kv, int positions) {
    assertTrue(kv.allocatedBytes() > 0);
    assertEquals(kv.allocatedBytes(), model.kvFootprint().bytes(positions), "KV bytes for " + positions + " positions");
  }

  private static int[] concat(int[]... parts) {
    return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
  }
}
