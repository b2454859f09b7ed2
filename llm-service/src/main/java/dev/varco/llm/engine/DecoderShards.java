package dev.varco.llm.engine;

import dev.varco.llm.config.LlmServiceConfig;
import dev.varco.llm.model.DecoderSharding;
import dev.varco.llm.shard.ModelDigest;
import dev.varco.llm.shard.wire.ShardCoordinator;
import dev.varco.llm.shard.wire.ShardPeer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** The decoder's tensor-parallel sharding as configured ({@code varco.llm.shards}, {@code varco.llm.shard.*}). */
final class DecoderShards {
  private DecoderShards() {}

  /** Null for one process; otherwise the coordinator of the decoder folder it is given. */
  static Function<Path, DecoderSharding> fromConfig(LlmServiceConfig.Llm llm) {
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
    return llmDir -> new ShardCoordinator(settings, ModelDigest.of(llmDir));
  }
}
