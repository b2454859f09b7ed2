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
import java.util.concurrent.TimeUnit;

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

  /** Exit status for a setting, model or port the worker cannot use (the message says which). */
  static final int EXIT_BAD_SETTINGS = 2;

  public static void main(String[] args) throws Exception {
    Server server;
    try {
      server = start();
    } catch (java.io.IOException | RuntimeException e) {
      // A setting, model folder or port it cannot use: one line naming it, no stack trace.
      System.err.println("shard worker: " + (e instanceof IllegalArgumentException ? e.getMessage() : e.toString()));
      System.exit(EXIT_BAD_SETTINGS);
      return;
    }
    server.awaitTermination();
  }

  private static Server start() throws java.io.IOException {
    Path modelDir = Path.of(setting("varco.model.dir", null));
    Path llmDir = Files.isRegularFile(modelDir.resolve("manifest.json"))
        ? modelDir.resolve(ModelManifestIO.read(modelDir).llm().dir())
        : modelDir;
    int shards = number("varco.llm.shards", null);
    int rank = number("varco.llm.shard.rank", null);
    if (rank == 0) {
      throw new IllegalArgumentException("rank 0 is the coordinator (llm-service itself); a worker is rank 1 .. "
          + (shards - 1));
    }
    String host = setting("varco.llm.shard.host", "0.0.0.0");
    int port = number("varco.llm.shard.port", "9101");
    int maxMessage = number("varco.llm.shard.max-message-bytes", "268435456");

    Qwen2TextConfig config = Qwen2TextConfig.parse(new ObjectMapper().readTree(llmDir.resolve("config.json").toFile()));
    ShardPlan plan = ShardPlan.of(config, shards, rank);
    String digest = ModelDigest.of(llmDir);
    DecoderWeights weights = plan.slice(DecoderWeights.open(llmDir, config));
    ParallelLoop loop = new ParallelLoop(DecoderModel.configuredThreads());
    ShardWorkerService service = new ShardWorkerService(plan, digest, sums -> new TransformerForward(weights, loop, sums));
    Server server = serve(new InetSocketAddress(host, port), maxMessage, service);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdownNow();
      service.close();
      loop.close();
    }, "shard-shutdown"));
    System.out.println("shard worker ready on port " + server.getPort() + ": " + plan.describe() + ", model " + digest);
    System.out.flush();
    return server;
  }

  /** Starts the gRPC server of a worker: DecoderShard, health, keepalive pings of the coordinator allowed. */
  static Server serve(InetSocketAddress address, int maxMessageBytes, ShardWorkerService service) throws java.io.IOException {
    return NettyServerBuilder.forAddress(address)
        // The handlers only queue messages for the model thread: run them on the event loop, one
        // thread hand-off less per message.
        .directExecutor()
        .maxInboundMessageSize(maxMessageBytes)
        .permitKeepAliveTime(WorkerLink.KEEPALIVE_SECONDS / 2, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .addService(service)
        .addService(new WorkerHealth())
        .build()
        .start();
  }

  private static int number(String key, String fallback) {
    String value = setting(key, fallback);
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + "=" + value + " is not a whole number");
    }
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
