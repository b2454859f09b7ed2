package dev.varco.llm.shard.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.llm.kernels.ParallelLoop;
import dev.varco.llm.model.CheckpointVariants;
import dev.varco.llm.model.DecoderModel;
import dev.varco.llm.model.PromptRows;
import dev.varco.llm.model.RandomQwen2Checkpoint;
import dev.varco.llm.shard.ModelDigest;
import dev.varco.llm.shard.ShardPlan;
import dev.varco.llm.transformer.DecoderWeights;
import dev.varco.llm.transformer.KvCache;
import dev.varco.llm.transformer.TransformerForward;
import dev.varco.model.checkpoint.Qwen2TextConfig;
import io.grpc.Server;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A worker keeps a KV slice per live coordinator cache and drops it once the coordinator has
 * closed the cache (announced with the next pass), so a long-running worker does not grow. The
 * worker runs in this JVM (a real gRPC server on a loopback port) so its slices can be counted.
 */
class ShardKvReleaseTest {
  @Test
  void closedCachesAreDroppedOnTheWorker() throws Exception {
    Path llmDir = CheckpointVariants.write(Path.of("target", "shard-startup-64"),
        new RandomQwen2Checkpoint.Shape(64, 128, 1, 4, 4, 256, 512), 3).get("F32");
    Qwen2TextConfig config = Qwen2TextConfig.parse(new ObjectMapper().readTree(llmDir.resolve("config.json").toFile()));
    ShardPlan plan = ShardPlan.of(config, 2, 1);
    DecoderWeights weights = plan.slice(DecoderWeights.open(llmDir, config));
    try (ParallelLoop loop = new ParallelLoop(1);
         ShardWorkerService worker = new ShardWorkerService(plan, ModelDigest.of(llmDir),
             sums -> new TransformerForward(weights, loop, sums))) {
      Server server = ShardWorkerMain.serve(new InetSocketAddress("127.0.0.1", 0), 1 << 20, worker);
      try (DecoderModel model = DecoderModel.load(llmDir, 16, new ShardCoordinator(new ShardCoordinator.Settings(2,
          List.of(new ShardPeer(1, "127.0.0.1", server.getPort())), Duration.ofSeconds(30), Duration.ofSeconds(30), 1 << 20),
          ModelDigest.of(llmDir)))) {
        KvCache a = model.newKvCache();
        KvCache b = model.newKvCache();
        KvCache c = model.newKvCache();
        for (KvCache kv : List.of(a, b, c)) {
          model.prefill(PromptRows.ofTokens(new int[] {1, 2, 3}), 0, 3, 0, kv);
        }
        assertEquals(3, worker.kvSlices());
        a.close();
        b.close();
        model.decode(4, 3, c);
        assertEquals(1, worker.kvSlices(), "the closed caches' slices are gone");
        c.close();
      } finally {
        server.shutdownNow().awaitTermination();
      }
    }
  }
}
