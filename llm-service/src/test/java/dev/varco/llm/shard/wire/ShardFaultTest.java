package dev.varco.llm.shard.wire;

import static dev.varco.llm.model.BatchedDecodeTest.argmax;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.TinyModelDirectory;
import dev.varco.llm.model.DecoderModel;
import dev.varco.llm.model.PromptRows;
import dev.varco.llm.model.ShardUnavailableException;
import dev.varco.llm.shard.ModelDigest;
import dev.varco.llm.transformer.KvCache;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A worker lost mid-generation, for real (SIGKILL, or SIGSTOP so it stalls with its sockets
 * open): the coordinator's pass fails with {@link ShardUnavailableException} (UNAVAILABLE at the
 * API) naming the shard, within the deadline; the shards stay down (every later pass fails at
 * once, {@link ShardCoordinator#failure()} says why) rather than computing from a partial sum.
 */
class ShardFaultTest {
  private static final Duration DEADLINE = Duration.ofSeconds(2);
  /** Bound on the whole failure path: the deadline plus process and JVM scheduling slack. */
  private static final Duration NO_HANG = Duration.ofSeconds(30);

  @Test
  void aKilledWorkerFailsTheGenerationNamingTheShard() throws Exception {
    Path llmDir = TinyModelDirectory.llmDir();
    try (ShardWorkerProcess worker = ShardWorkerProcess.start("fault-kill", llmDir, 2, 1)) {
      ShardCoordinator coordinator = coordinator(worker, llmDir);
      try (DecoderModel model = DecoderModel.load(llmDir, 64, coordinator); KvCache kv = model.newKvCache()) {
        int[] prompt = {1, 2, 3, 4, 5, 6, 7, 8};
        float[] logits = model.prefill(PromptRows.ofTokens(prompt), 0, prompt.length, 0, kv);
        Thread killer = Thread.ofPlatform().start(() -> {
          try {
            Thread.sleep(300);
            worker.kill9();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
        float[] first = logits;
        ShardUnavailableException failure = assertTimeoutPreemptively(NO_HANG, () -> assertThrows(
            ShardUnavailableException.class, () -> {
              float[] l = first;
              for (int position = prompt.length; position < 30_000; position++) {
                l = model.decode(argmax(l), position, kv);
              }
            }));
        killer.join();
        String peer = "shard 1 (127.0.0.1:" + worker.port() + ")";
        assertTrue(failure.getMessage().contains(peer), failure.getMessage());
        assertTrue(coordinator.failure().orElseThrow().contains(peer), coordinator.failure().toString());
        ShardUnavailableException later = assertThrows(ShardUnavailableException.class,
            () -> model.decode(1, prompt.length, kv));
        assertTrue(later.getMessage().contains("shards are down") && later.getMessage().contains(peer), later.getMessage());
      }
    }
  }

  @Test
  void aStalledWorkerFailsThePassWithinTheDeadline() throws Exception {
    Path llmDir = TinyModelDirectory.llmDir();
    try (ShardWorkerProcess worker = ShardWorkerProcess.start("fault-stall", llmDir, 2, 1)) {
      ShardCoordinator coordinator = coordinator(worker, llmDir);
      try (DecoderModel model = DecoderModel.load(llmDir, 64, coordinator); KvCache kv = model.newKvCache()) {
        int[] prompt = {9, 8, 7, 6};
        float[] logits = model.prefill(PromptRows.ofTokens(prompt), 0, prompt.length, 0, kv);
        worker.signal("STOP");
        ShardUnavailableException failure = assertTimeoutPreemptively(NO_HANG, () -> assertThrows(
            ShardUnavailableException.class, () -> model.decode(argmax(logits), prompt.length, kv)));
        assertTrue(failure.getMessage().contains("shard 1 (127.0.0.1:" + worker.port() + ") sent no partial sum")
            && failure.getMessage().contains("within 2000 ms"), failure.getMessage());
        assertTrue(coordinator.failure().isPresent());
      }
    }
  }

  @Test
  void aRestartedCoordinatorTakesOverTheWorker() throws Exception {
    Path llmDir = TinyModelDirectory.llmDir();
    int[] prompt = {3, 1, 4, 1, 5, 9, 2, 6};
    try (ShardWorkerProcess worker = ShardWorkerProcess.start("fault-takeover", llmDir, 2, 1)) {
      float[] first;
      try (DecoderModel model = DecoderModel.load(llmDir, 64, coordinator(worker, llmDir)); KvCache kv = model.newKvCache()) {
        first = model.prefill(PromptRows.ofTokens(prompt), 0, prompt.length, 0, kv);
        model.decode(argmax(first), prompt.length, kv);
      }
      // The first coordinator is gone mid-conversation; a new one joins the same worker from scratch.
      try (DecoderModel model = DecoderModel.load(llmDir, 64, coordinator(worker, llmDir)); KvCache kv = model.newKvCache()) {
        float[] again = assertTimeoutPreemptively(NO_HANG, () -> model.prefill(PromptRows.ofTokens(prompt), 0, prompt.length, 0, kv));
        org.junit.jupiter.api.Assertions.assertArrayEquals(first, again, "the same bits from a new session");
      }
    }
  }

  private static ShardCoordinator coordinator(ShardWorkerProcess worker, Path llmDir) {
    return new ShardCoordinator(new ShardCoordinator.Settings(2, List.of(worker.peer()), Duration.ofSeconds(60),
        DEADLINE, 64 << 20), ModelDigest.of(llmDir));
  }
}
