package dev.varco.llm.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.transformer.KvCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The service's transformer against an independent implementation, Jlama's own Qwen2 forward
 * (token by token, F32 weights), at the real widths of Qwen2.5-0.5B (hidden 896, 14 heads, 2 KV
 * heads, head 64) and 1.5B (hidden 1536, 12 heads, head 128), 2 layers each: every next-token
 * logit agrees within 1e-4 of the largest logit (different summation orders, same math).
 */
class TransformerReferenceTest {
  static final double RELATIVE_TOLERANCE = 1e-4;
  /** Jlama's chunked lm_head leaves the last logits at 0 unless the vocabulary divides evenly. */
  private static final int VOCAB = 2048;

  @ParameterizedTest
  @ValueSource(ints = {896, 1536})
  void logitsMatchJlamasQwen2(int hidden) throws Exception {
    RandomQwen2Checkpoint.Shape shape = hidden == 896
        ? new RandomQwen2Checkpoint.Shape(896, 4864, 2, 14, 2, VOCAB, 4096)
        : new RandomQwen2Checkpoint.Shape(1536, 8960, 2, 12, 2, VOCAB, 4096);
    Path dir = Path.of("target", "reference-qwen2-" + hidden);
    RandomQwen2Checkpoint.write(dir.resolve("llm"), shape, 11);
    Path work = Files.createDirectories(dir.resolve("work"));
    int[] tokens = new SplittableRandom(3).ints(40, 0, shape.vocab() - 2).toArray();
    float[][] expected;
    try (JlamaReferenceDecoder reference = new JlamaReferenceDecoder(dir.resolve("llm"), work)) {
      expected = reference.logitsAfterEach(tokens);
    }
    try (DecoderModel model = DecoderModel.load(dir.resolve("llm"), 16); KvCache kv = model.newKvCache()) {
      // A prefill in chunks of 16 for the first 30 positions, then token by token.
      float[] logits = model.prefill(PromptRows.ofTokens(tokens), 0, 30, 0, kv);
      assertClose(expected[29], logits, "after the prefill of 30");
      for (int i = 30; i < tokens.length; i++) {
        assertClose(expected[i], model.decode(tokens[i], i, kv), "after token " + i);
      }
    }
  }

  static void assertClose(float[] expected, float[] actual, String what) {
    double scale = 0;
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      scale = Math.max(scale, Math.abs(expected[i]));
      worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(worst <= RELATIVE_TOLERANCE * scale,
        what + ": max |d logit| = " + worst + " against a largest logit of " + scale);
  }
}
