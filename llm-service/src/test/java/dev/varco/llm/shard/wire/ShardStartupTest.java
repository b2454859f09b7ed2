package dev.varco.llm.shard.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.model.CheckpointVariants;
import dev.varco.llm.model.DecoderModel;
import dev.varco.llm.model.RandomQwen2Checkpoint;
import dev.varco.llm.model.ShardUnavailableException;
import dev.varco.llm.shard.ModelDigest;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The start-up barrier: the coordinator does not load (so llm-service never turns ready) unless
 * every worker answers in time, as the expected rank, with the same model.
 */
class ShardStartupTest {
  private static final Duration NO_HANG = Duration.ofSeconds(60);

  private static Map<String, Path> models() throws Exception {
    return CheckpointVariants.write(Path.of("target", "shard-startup-64"),
        new RandomQwen2Checkpoint.Shape(64, 128, 1, 4, 4, 256, 512), 3);
  }

  @Test
  void aWorkerThatNeverAnswersFailsStartUpAfterTheJoinTimeout() throws Exception {
    Path llmDir = models().get("F32");
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    ShardCoordinator coordinator = new ShardCoordinator(new ShardCoordinator.Settings(2,
        List.of(new ShardPeer(1, "127.0.0.1", port)), Duration.ofSeconds(2), Duration.ofSeconds(2), 1 << 20),
        ModelDigest.of(llmDir));
    ShardUnavailableException e = assertTimeoutPreemptively(NO_HANG,
        () -> assertThrows(ShardUnavailableException.class, () -> DecoderModel.load(llmDir, 16, coordinator)));
    assertTrue(e.getMessage().contains("shard 1 (127.0.0.1:" + port + ") did not answer Join in time"),
        e.getMessage());
  }

  @Test
  void aWorkerWithAnotherModelIsRefused() throws Exception {
    Map<String, Path> models = models();
    String workerDigest = ModelDigest.of(models.get("F32"));
    String coordinatorDigest = ModelDigest.of(models.get("BF16"));
    try (ShardWorkerProcess worker = ShardWorkerProcess.start("startup-digest", models.get("F32"), 2, 1)) {
      ShardCoordinator coordinator = new ShardCoordinator(new ShardCoordinator.Settings(2, List.of(worker.peer()),
          Duration.ofSeconds(30), Duration.ofSeconds(5), 1 << 20), coordinatorDigest);
      ShardUnavailableException e = assertTimeoutPreemptively(NO_HANG, () -> assertThrows(
          ShardUnavailableException.class, () -> DecoderModel.load(models.get("BF16"), 16, coordinator)));
      assertTrue(e.getMessage().contains("refused to join") && e.getMessage().contains(workerDigest)
          && e.getMessage().contains(coordinatorDigest), e.getMessage());
    }
  }

  @Test
  void aWorkerStartedForAnotherShardCountIsRefused() throws Exception {
    Path llmDir = models().get("F32");
    try (ShardWorkerProcess worker = ShardWorkerProcess.start("startup-count", llmDir, 2, 1)) {
      ShardCoordinator coordinator = new ShardCoordinator(new ShardCoordinator.Settings(3,
          List.of(new ShardPeer(1, "127.0.0.1", worker.port()), new ShardPeer(2, "127.0.0.1", 1)),
          Duration.ofSeconds(30), Duration.ofSeconds(5), 1 << 20), ModelDigest.of(llmDir));
      ShardUnavailableException e = assertTimeoutPreemptively(NO_HANG,
          () -> assertThrows(ShardUnavailableException.class, () -> DecoderModel.load(llmDir, 16, coordinator)));
      assertTrue(e.getMessage().contains("this worker is rank 1 of 2")
          && e.getMessage().contains("the coordinator expects rank 1 of 3"), e.getMessage());
    }
  }

  /** A worker given settings it cannot use stops with status 2 and one line naming the setting. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "rank 0 | 2 | 0 | rank 0 is the coordinator",
      "too many shards | 5 | 1 | the model has 4 key/value heads: it cannot be split over 5 shards",
      "rank past the shards | 2 | 2 | varco.llm.shard.rank must be in [0, 2), got 2",
      "shards not a number | two | 1 | varco.llm.shards=two is not a whole number"})
  void aWorkerWithUnusableSettingsStopsNamingThem(String name, String shards, String rank, String message) throws Exception {
    Path llmDir = models().get("F32");
    ShardWorkerProcess.Exit exit = ShardWorkerProcess.runToExit(Map.of("varco.model.dir", llmDir.toAbsolutePath().toString(),
        "varco.llm.shards", shards, "varco.llm.shard.rank", rank, "varco.llm.shard.port", "0"));
    assertEquals(ShardWorkerMain.EXIT_BAD_SETTINGS, exit.status(), exit.output());
    assertTrue(exit.output().contains("shard worker: " + message), exit.output());
    assertFalse(exit.output().contains("\tat "), "no stack trace: " + exit.output());
  }

  @Test
  void aWorkerWithoutAModelStopsNamingTheFolder() throws Exception {
    Path missing = Path.of("target", "no-such-model").toAbsolutePath();
    ShardWorkerProcess.Exit exit = ShardWorkerProcess.runToExit(Map.of("varco.model.dir", missing.toString(),
        "varco.llm.shards", "2", "varco.llm.shard.rank", "1", "varco.llm.shard.port", "0"));
    assertEquals(ShardWorkerMain.EXIT_BAD_SETTINGS, exit.status(), exit.output());
    assertTrue(exit.output().contains(missing.toString()), exit.output());
    assertFalse(exit.output().contains("\tat "), "no stack trace: " + exit.output());
  }
}
