package dev.varco.llm.shard.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.TinyModelDirectory;
import dev.varco.llm.model.BatchedDecodeTest;
import dev.varco.llm.model.CheckpointVariants;
import dev.varco.llm.model.DecoderModel;
import dev.varco.llm.model.PromptRows;
import dev.varco.llm.model.RandomQwen2Checkpoint;
import dev.varco.llm.shard.ModelDigest;
import dev.varco.llm.transformer.KvCache;
import dev.varco.llm.transformer.SequenceRows;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Shards (this JVM as rank 0, real worker processes as the other ranks, over loopback gRPC) against
 * one process on the same model: the same greedy tokens and logits within 1e-5 of the largest
 * logit, for the tiny model and every weight type at hidden 896 (2 shards), and for 3 shards on an
 * uneven split. Covers prefill in chunks, a sequence alone, and three sequences batched into one
 * pass (prefilled together, decoded together). Not bit-identical to one process: the partial sums
 * are added in a different order than one dot product adds its terms.
 */
class ShardExactnessTest {
  private static final int STEPS = 10;
  private static final int CHUNK = 16;
  private static final double TOLERANCE = 1e-5;

  static Stream<Arguments> models() throws Exception {
    RandomQwen2Checkpoint.Shape shape = new RandomQwen2Checkpoint.Shape(896, 4864, 2, 14, 2, 1024, 4096);
    Map<String, Path> variants = CheckpointVariants.write(Path.of("target", "exactness-0.5b"), shape, 5);
    List<Arguments> models = new ArrayList<>();
    models.add(Arguments.of("tiny", TinyModelDirectory.llmDir()));
    variants.forEach((type, dir) -> models.add(Arguments.of(type, dir)));
    return models.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void twoShardsGiveWhatOneProcessGives(String name, Path llmDir) throws Exception {
    compare(name, llmDir, 2);
  }

  /**
   * Three shards of a model with 4 K/V heads: an uneven split (1, 1 and 2 K/V heads; 32, 32 and 64
   * MLP columns) and a sum of three partials in rank order.
   */
  @Test
  void threeShardsOnAnUnevenSplitGiveWhatOneProcessGives() throws Exception {
    Path llmDir = CheckpointVariants.write(Path.of("target", "shard-startup-64"),
        new RandomQwen2Checkpoint.Shape(64, 128, 1, 4, 4, 256, 512), 3).get("F32");
    compare("three-shards", llmDir, 3);
  }

  private static void compare(String name, Path llmDir, int shards) throws Exception {
    Generation alone;
    try (DecoderModel model = DecoderModel.load(llmDir, CHUNK)) {
      alone = generate(model);
    }
    Generation sharded;
    List<ShardWorkerProcess> workers = new ArrayList<>();
    try {
      List<ShardPeer> peers = new ArrayList<>();
      for (int rank = 1; rank < shards; rank++) {
        workers.add(ShardWorkerProcess.start(name, llmDir, shards, rank));
        peers.add(new ShardPeer(rank, "127.0.0.1", workers.getLast().port()));
      }
      ShardCoordinator coordinator = new ShardCoordinator(new ShardCoordinator.Settings(
          shards, peers, Duration.ofSeconds(60), Duration.ofSeconds(60), 256 << 20), ModelDigest.of(llmDir));
      try (DecoderModel model = DecoderModel.load(llmDir, CHUNK, coordinator)) {
        sharded = generate(model);
        assertTrue(coordinator.failure().isEmpty(), () -> coordinator.failure().get());
      }
    } finally {
      for (ShardWorkerProcess worker : workers) {
        worker.close();
      }
    }
    assertEquals(alone.logits.size(), sharded.logits.size());
    double worst = 0;
    for (int i = 0; i < alone.logits.size(); i++) {
      float[] want = alone.logits.get(i);
      float[] got = sharded.logits.get(i);
      double scale = 0;
      double diff = 0;
      for (int j = 0; j < want.length; j++) {
        scale = Math.max(scale, Math.abs(want[j]));
        diff = Math.max(diff, Math.abs(want[j] - got[j]));
      }
      double relative = diff / scale;
      worst = Math.max(worst, relative);
      assertTrue(relative <= TOLERANCE, name + ": logits " + i + " differ by " + diff + " (" + relative + " of the largest)");
    }
    assertArrayEquals(alone.tokens.stream().mapToInt(Integer::intValue).toArray(),
        sharded.tokens.stream().mapToInt(Integer::intValue).toArray(), name + ": greedy tokens");
    System.out.printf("%s, %d shards: %d logit vectors, %d tokens, largest difference %.3g of the largest logit%n",
        name, shards, alone.logits.size(), alone.tokens.size(), worst);
  }

  /** Every logits vector and greedy token of: one prompt prefilled in chunks then decoded, and three batched. */
  private record Generation(List<float[]> logits, List<Integer> tokens) {}

  private static Generation generate(DecoderModel model) {
    Generation g = new Generation(new ArrayList<>(), new ArrayList<>());
    SplittableRandom random = new SplittableRandom(7);
    int tokens = Math.min(1000, model.vocabSize());
    int[] single = random.ints(45, 0, tokens).toArray();
    try (KvCache kv = model.newKvCache()) {
      float[] logits = model.prefill(PromptRows.ofTokens(single), 0, single.length, 0, kv);
      for (int step = 0; step < STEPS; step++) {
        int token = record(g, logits);
        logits = model.decode(token, single.length + step, kv);
      }
      record(g, logits);
    }
    int[][] prompts = {random.ints(5, 0, tokens).toArray(), random.ints(37, 0, tokens).toArray(), random.ints(20, 0, tokens).toArray()};
    int hidden = model.hiddenSize();
    List<KvCache> caches = new ArrayList<>();
    try {
      List<SequenceRows> batch = new ArrayList<>();
      for (int[] p : prompts) {
        caches.add(model.newKvCache());
        batch.add(new SequenceRows(caches.getLast(), 0, p.length, true));
      }
      float[] rows = BatchedDecodeTest.concatPrompts(model, prompts);
      float[][] logits = model.forward(batch, rows);
      for (int step = 0; step < STEPS; step++) {
        float[] next = new float[prompts.length * hidden];
        batch.clear();
        for (int i = 0; i < prompts.length; i++) {
          model.copyTokenEmbedding(record(g, logits[i]), next, i * hidden);
          batch.add(new SequenceRows(caches.get(i), prompts[i].length + step, 1, true));
        }
        logits = model.forward(batch, next);
      }
    } finally {
      caches.forEach(KvCache::close);
    }
    return g;
  }

  private static int record(Generation g, float[] logits) {
    g.logits.add(logits);
    int best = BatchedDecodeTest.argmax(logits);
    g.tokens.add(best);
    return best;
  }
}
