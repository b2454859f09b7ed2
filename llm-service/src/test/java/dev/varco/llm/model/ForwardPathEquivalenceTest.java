package dev.varco.llm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.transformer.KvCache;
import dev.varco.llm.TinyModelDirectory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The prefill path must compute what the plain token-by-token path computes: embedding rows in
 * place of token ids, and chunks of rows in place of one row at a time. Checked at hidden 64 (the
 * tiny model's scale, and on the tiny model itself) and hidden 896 (Qwen2.5-0.5B's width, where Jlama's native batched kernels
 * were measured wrong).
 */
class ForwardPathEquivalenceTest {
  /**
   * Max |a - b| over the next-token logits (probabilities before the service computed raw
   * logits). Measured: 0.0 for chunks of 1-4 rows; chunks of 6 or more rows gave probability
   * errors of 0.005-0.05 at hidden 896 with jlama-native (its gemm tiles of 5+ rows disagree),
   * which is why the service prefills 4 rows per forward call.
   */
  static final double TOLERANCE = 1e-6;


  @Test
  void tinyModel() throws Exception {
    check(TinyModelDirectory.llmDir(), Path.of("target", "equivalence-work"), TinyModelDirectory.prepare().llm().vocabSize(), 40);
  }

  @Test
  void smallWidth() throws Exception {
    check(new RandomQwen2Checkpoint.Shape(64, 128, 2, 4, 2, 300, 512), 40);
  }

  @Test
  void realisticWidth() throws Exception {
    check(new RandomQwen2Checkpoint.Shape(896, 1024, 2, 14, 2, 300, 512), 24);
  }

  private void check(RandomQwen2Checkpoint.Shape shape, int promptLength) throws Exception {
    Path dir = Path.of("target", "random-qwen2-" + shape.hidden());
    RandomQwen2Checkpoint.write(dir.resolve("llm"), shape, 42);
    check(dir.resolve("llm"), dir.resolve("work"), shape.vocab(), promptLength);
  }

  private void check(Path llmDir, Path workDir, int vocab, int promptLength) throws Exception {
    Files.createDirectories(workDir);
    int[] tokens = new SplittableRandom(7).ints(promptLength, 0, Math.min(vocab, 150000) - 2).toArray();
    float[][] reference = tokenByToken(llmDir, workDir, tokens);
    for (int chunk : List.of(1, 3, configuredPrefillChunkRows())) {
      try (DecoderModel model = DecoderModel.load(llmDir, chunk)) {
        PromptRows rows = PromptRows.ofTokens(tokens);
        // Prefill in two calls so the second continues at a non-zero start position.
        int split = promptLength / 3;
        try (KvCache kv = model.newKvCache()) {
          float[] afterSplit = model.prefill(rows, 0, split, 0, kv);
          assertClose(reference[split - 1], afterSplit, "chunk " + chunk + " at " + split);
          float[] last = model.prefill(rows, split, promptLength, split, kv);
          assertClose(reference[promptLength - 1], last, "chunk " + chunk + " at end");
        }
      }
    }
  }

  @Test
  void splicedImageRowsActLikeTheTokensTheyCopy() throws Exception {
    Path workDir = Files.createDirectories(Path.of("target", "equivalence-work"));
    int imageToken = TinyModelDirectory.prepare().llm().imageTokenId();
    int[] text = {9707, 11, 1879, 0, 126246, 144370, 91145, 13, 151645, 198};
    try (DecoderModel model = DecoderModel.load(TinyModelDirectory.llmDir(), configuredPrefillChunkRows())) {
      // An "image" whose rows are the embeddings of text[2..6] spliced where text[2..6] were.
      float[] rows = new float[5 * model.hiddenSize()];
      for (int i = 0; i < 5; i++) {
        model.copyTokenEmbedding(text[2 + i], rows, i * model.hiddenSize());
      }
      int[] withPlaceholder = {text[0], text[1], imageToken, text[7], text[8], text[9]};
      PromptRows spliced = PromptRows.splice(withPlaceholder, imageToken, List.of(ImageEmbedding.ofFloats(5, model.hiddenSize(), rows)));
      assertEquals(text.length, spliced.length());
      try (KvCache a = model.newKvCache(); KvCache b = model.newKvCache()) {
        float[] expected = model.prefill(PromptRows.ofTokens(text), 0, text.length, 0, a);
        assertClose(expected, model.prefill(spliced, 0, spliced.length(), 0, b), "spliced image rows");
      }
    }
  }

  /** The service's default varco.llm.prefill-chunk-rows: the path it actually runs. */
  private static int configuredPrefillChunkRows() throws Exception {
    Properties properties = new Properties();
    try (InputStream in = ForwardPathEquivalenceTest.class.getResourceAsStream("/application.properties")) {
      properties.load(in);
    }
    return Integer.parseInt(properties.getProperty("varco.llm.prefill-chunk-rows").trim());
  }

  private static float[][] tokenByToken(Path llmDir, Path workDir, int[] tokens) throws Exception {
    try (DecoderModel model = DecoderModel.load(llmDir, 1);
        KvCache kv = model.newKvCache()) {
      float[][] out = new float[tokens.length][];
      for (int i = 0; i < tokens.length; i++) {
        out[i] = model.decode(tokens[i], i, kv);
      }
      return out;
    }
  }

  private static void assertClose(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what);
    double worst = 0;
    for (int i = 0; i < expected.length; i++) {
      worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(worst <= TOLERANCE, what + ": max |d logit| = " + worst);
  }
}
