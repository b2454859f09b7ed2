package dev.varco.llm.engine;

import dev.varco.llm.config.LlmServiceConfig;
import dev.varco.llm.model.DecoderSharding;
import dev.varco.llm.shard.ModelDigest;
import dev.varco.llm.shard.wire.ShardCoordinator;
import dev.varco.llm.shard.wire.ReduceObserver;
import dev.varco.llm.shard.wire.ShardPeer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** The decoder's tensor-parallel sharding as configured ({@code varco.llm.shards}, {@code varco.llm.shard.*}). */
final class DecoderShards {
  private DecoderShards() {}

  /** Null for one process; otherwise the coordinator of the decoder folder it is given. */
  static Function<Path, DecoderSharding> fromConfig(LlmServiceConfig.Llm llm, MeterRegistry registry) {
    int shards = llm.shards();
    if (shards < 1) {
      throw new IllegalArgumentException("varco.llm.shards must be >= 1, got " + shards);
    }
    if (shards == 1) {
      return null;
    }
    LlmServiceConfig.Shard shard = llm.shard();
    if (shard.rank() != 0) {
      throw new IllegalArgumentException("varco.llm.shard.rank=" + shard.rank() + ": llm-service is the coordinator, rank 0;"
          + " workers run dev.varco.llm.shard.wire.ShardWorkerMain (see the README, \"Tensor-parallel shards\")");
    }
    List<String> addresses = shard.peers().orElse(List.of());
    List<ShardPeer> peers = new ArrayList<>();
    for (int i = 0; i < addresses.size(); i++) {
      peers.add(ShardPeer.parse(i + 1, addresses.get(i)));
    }
    ShardCoordinator.Settings settings = new ShardCoordinator.Settings(
        shards, peers, shard.joinTimeout(), shard.deadline(), shard.maxMessageBytes());
    Timer reduces = Timer.builder("varco:shard_all_reduce")
        .description("One all-reduce of partial sums over the shards, from this rank's part to the sum sent back")
        .publishPercentileHistogram().register(registry);
    Counter sent = Counter.builder("varco:shard_wire_bytes").tag("direction", "sent")
        .description("Bytes of summed rows sent back to the shard workers (payload)").register(registry);
    Counter received = Counter.builder("varco:shard_wire_bytes").tag("direction", "received")
        .description("Bytes of partial sums received from the shard workers (payload)").register(registry);
    ReduceObserver observer = (nanos, bytesSent, bytesReceived) -> {
      reduces.record(nanos, TimeUnit.NANOSECONDS);
      sent.increment(bytesSent);
      received.increment(bytesReceived);
    };
    return llmDir -> new ShardCoordinator(settings, ModelDigest.of(llmDir), observer);
  }
}
