package dev.varco.llm.shard.wire;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.llm.kernels.ParallelLoop;
import dev.varco.llm.model.DecoderModel;
import dev.varco.llm.shard.ModelDigest;
import dev.varco.llm.shard.ShardPlan;
import dev.varco.llm.transformer.DecoderWeights;
import dev.varco.llm.transformer.TransformerForward;
import dev.varco.model.checkpoint.Qwen2TextConfig;
import dev.varco.model.manifest.ModelManifestIO;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A worker rank of the tensor-parallel decoder, as its own process: loads only its slice of every
 * layer and serves DecoderShard until stopped. Settings are JVM system properties or their
 * environment variables ({@code varco.llm.shard.rank} or {@code VARCO_LLM_SHARD_RANK}):
 * {@code varco.model.dir} (a model directory with {@code manifest.json}, or a decoder folder),
 * {@code varco.llm.shards}, {@code varco.llm.shard.rank} (1 .. shards-1),
 * {@code varco.llm.shard.host} (default 0.0.0.0), {@code varco.llm.shard.port} (default 9101; 0
 * takes a free one), {@code varco.llm.shard.max-message-bytes} (default 256 MiB),
 * {@code varco.llm.threads}. Prints one line starting "shard worker ready" with the port once
 * it listens.
 */
public final class ShardWorkerMain {
  private ShardWorkerMain() {}

  public static void main(String[] args) throws Exception {
    Path modelDir = Path.of(setting("varco.model.dir", null));
    Path llmDir = Files.isRegularFile(modelDir.resolve("manifest.json"))
        ? modelDir.resolve(ModelManifestIO.read(modelDir).llm().dir())
        : modelDir;
    int shards = Integer.parseInt(setting("varco.llm.shards", null));
    int rank = Integer.parseInt(setting("varco.llm.shard.rank", null));
    if (rank == 0) {
      throw new IllegalArgumentException("rank 0 is the coordinator (llm-service itself); a worker is rank 1 .. "
          + (shards - 1));
    }
    String host = setting("varco.llm.shard.host", "0.0.0.0");
    int port = Integer.parseInt(setting("varco.llm.shard.port", "9101"));
    int maxMessage = Math.toIntExact(Long.parseLong(setting("varco.llm.shard.max-message-bytes", "268435456")));

    Qwen2TextConfig config = Qwen2TextConfig.parse(new ObjectMapper().readTree(llmDir.resolve("config.json").toFile()));
    ShardPlan plan = ShardPlan.of(config, shards, rank);
    String digest = ModelDigest.of(llmDir);
    DecoderWeights weights = plan.slice(DecoderWeights.open(llmDir, config));
    ParallelLoop loop = new ParallelLoop(DecoderModel.configuredThreads());
    ShardWorkerService service = new ShardWorkerService(plan, digest, sums -> new TransformerForward(weights, loop, sums));
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress(host, port))
        .maxInboundMessageSize(maxMessage)
        .addService(service)
        .addService(new WorkerHealth())
        .build()
        .start();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdownNow();
      service.close();
      loop.close();
    }, "shard-shutdown"));
    System.out.println("shard worker ready on port " + server.getPort() + ": " + plan.describe() + ", model " + digest);
    System.out.flush();
    server.awaitTermination();
  }

  private static String setting(String key, String fallback) {
    String value = System.getProperty(key);
    if (value == null) {
      value = System.getenv(key.toUpperCase().replace('.', '_').replace('-', '_'));
    }
    if (value == null || value.isBlank()) {
      if (fallback == null) {
        throw new IllegalArgumentException(key + " is required (system property or environment variable)");
      }
      return fallback;
    }
    return value.trim();
  }
}
