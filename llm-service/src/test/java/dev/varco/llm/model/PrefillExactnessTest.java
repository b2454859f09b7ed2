package dev.varco.llm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.varco.llm.transformer.KvCache;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A prompt prefilled in chunks of any size gives exactly the logits of a token-by-token prefill,
 * for every weight type, at real widths: Qwen2.5-0.5B (hidden 896), 1.5B (hidden 1536) and one
 * layer of VARCO-VISION-14B's decoder (hidden 5120, 40 heads, 8 KV heads, MLP 13824). Chunks of
 * 1, 5, 64 and 256 rows, the prompt length chosen so the last chunk is ragged. Exact, not close:
 * every output of the kernels is computed in the same order whatever the number of rows.
 */
class PrefillExactnessTest {
  static Stream<Arguments> checkpoints() {
    return Stream.of(
        Arguments.of("0.5b", new RandomQwen2Checkpoint.Shape(896, 4864, 2, 14, 2, 1024, 4096), 300),
        Arguments.of("1.5b", new RandomQwen2Checkpoint.Shape(1536, 8960, 2, 12, 2, 1024, 4096), 300),
        Arguments.of("14b-layer", new RandomQwen2Checkpoint.Shape(5120, 13824, 1, 40, 8, 1024, 4096), 100));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("checkpoints")
  void chunkedPrefillEqualsTokenByToken(String name, RandomQwen2Checkpoint.Shape shape, int promptLength) throws Exception {
    Map<String, Path> variants = CheckpointVariants.write(Path.of("target", "exactness-" + name), shape, 5);
    int[] tokens = new SplittableRandom(9).ints(promptLength, 0, shape.vocab()).toArray();
    PromptRows prompt = PromptRows.ofTokens(tokens);
    for (var variant : variants.entrySet()) {
      try (DecoderModel tokenByToken = DecoderModel.load(variant.getValue(), 1); KvCache kv = tokenByToken.newKvCache()) {
        float[] expected = tokenByToken.prefill(prompt, 0, promptLength, 0, kv);
        for (int chunk : new int[] {5, 64, 256}) {
          try (DecoderModel chunked = DecoderModel.load(variant.getValue(), chunk); KvCache chunkKv = chunked.newKvCache()) {
            float[] actual = chunked.prefill(prompt, 0, promptLength, 0, chunkKv);
            assertArrayEquals(expected, actual, name + " " + variant.getKey() + ", chunks of " + chunk);
          }
        }
      }
    }
  }
}
