package dev.varco.llm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.varco.llm.transformer.KvCache;
import dev.varco.llm.transformer.SequenceRows;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sequences batched into one forward pass (their prompts prefilled together, then decoded
 * together) get exactly the logits, hence the greedy tokens, each gets alone: at hidden 896, for
 * every weight type.
 */
public class BatchedDecodeTest {
  private static final int STEPS = 12;

  @ParameterizedTest
  @ValueSource(strings = {"F32", "BF16", "Q8", "Q4"})
  void batchedEqualsAlone(String type) throws Exception {
    RandomQwen2Checkpoint.Shape shape = new RandomQwen2Checkpoint.Shape(896, 4864, 2, 14, 2, 1024, 4096);
    Map<String, Path> variants = CheckpointVariants.write(Path.of("target", "exactness-0.5b"), shape, 5);
    SplittableRandom random = new SplittableRandom(21);
    int[][] prompts = {random.ints(5, 0, 1024).toArray(), random.ints(37, 0, 1024).toArray(), random.ints(90, 0, 1024).toArray()};
    try (DecoderModel model = DecoderModel.load(variants.get(type), 256)) {
      List<List<float[]>> alone = new ArrayList<>();
      for (int[] prompt : prompts) {
        alone.add(greedyAlone(model, prompt));
      }
      List<KvCache> caches = new ArrayList<>();
      try {
        for (int i = 0; i < prompts.length; i++) {
          caches.add(model.newKvCache());
        }
        int hidden = model.hiddenSize();
        // Step 0: all three prompts in one pass.
        List<SequenceRows> batch = new ArrayList<>();
        for (int i = 0; i < prompts.length; i++) {
          batch.add(new SequenceRows(caches.get(i), 0, prompts[i].length, true));
        }
        float[] rows = concatPrompts(model, prompts);
        float[][] logits = model.forward(batch, rows);
        for (int step = 0; step < STEPS; step++) {
          assertEquals(prompts.length, logits.length);
          float[] next = new float[prompts.length * hidden];
          batch.clear();
          for (int i = 0; i < prompts.length; i++) {
            assertArrayEquals(alone.get(i).get(step), logits[i], "sequence " + i + ", step " + step + ", " + type);
            model.copyTokenEmbedding(argmax(logits[i]), next, i * hidden);
            batch.add(new SequenceRows(caches.get(i), prompts[i].length + step, 1, true));
          }
          logits = model.forward(batch, next);
        }
      } finally {
        caches.forEach(KvCache::close);
      }
    }
  }

  /** The prompts' token embedding rows, one after another (the input of one batched pass). */
  public static float[] concatPrompts(DecoderModel model, int[][] prompts) {
    int hidden = model.hiddenSize();
    int total = 0;
    for (int[] p : prompts) {
      total += p.length;
    }
    float[] rows = new float[total * hidden];
    int row = 0;
    for (int[] p : prompts) {
      for (int token : p) {
        model.copyTokenEmbedding(token, rows, row++ * hidden);
      }
    }
    return rows;
  }

  /** The logits before each of STEPS greedy tokens, the sequence run alone token by token. */
  private static List<float[]> greedyAlone(DecoderModel model, int[] prompt) {
    List<float[]> out = new ArrayList<>();
    try (KvCache kv = model.newKvCache()) {
      float[] logits = model.prefill(PromptRows.ofTokens(prompt), 0, prompt.length, 0, kv);
      for (int step = 0; step < STEPS; step++) {
        out.add(logits);
        logits = model.decode(argmax(logits), prompt.length + step, kv);
      }
    }
    return out;
  }

  public static int argmax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) {
      if (logits[i] > logits[best]) {
        best = i;
      }
    }
    return best;
  }
}
