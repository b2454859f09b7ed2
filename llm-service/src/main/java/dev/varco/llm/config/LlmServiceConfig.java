package dev.varco.llm.config;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Every {@code varco.*} key this service reads; documented in llm-service/README.md. */
@ConfigMapping(prefix = "varco")
public interface LlmServiceConfig {
  Model model();

  Llm llm();

  Vision vision();

  /**
   * The shared secret of the internal gRPC calls ({@code varco.service-token}): when set, Generate
   * and DescribeModel need it (metadata x-varco-service-token) and the calls to vision-service carry
   * it. Unset = no check, for a service bound to loopback.
   */
  Optional<String> serviceToken();

  interface Model {
    /** The model directory (manifest.json, llm/, vision/). */
    Path dir();
  }

  interface Llm {
    /** Directory this service owns for the derived tokenizer; emptied on start and stop. */
    Path workDir();

    /**
     * How often the engine logs its state line (tokens/s prompt and generation, running, waiting,
     * KV use, prefix cache hits), as vLLM does; 0 = never. An idle engine logs one line, then none.
     */
    @WithDefault("10s")
    Duration statsLogInterval();

    /**
     * Cap on max_tokens when a request leaves it at 0; absent = no cap: the context left after the
     * prompt (vLLM's default), bounded by the KV memory one request may hold.
     */
    Optional<Integer> defaultMaxTokens();

    /** Requests admitted but not yet running (being prepared or queued); more get RESOURCE_EXHAUSTED. */
    @WithDefault("16")
    int maxWaitingRequests();

    /** Requests on the model together, batched into one forward pass per step. */
    @WithDefault("8")
    int maxRunningRequests();

    /** Rows of one forward pass (the step's row budget): one per decoding request plus prefill chunks. */
    @WithDefault("256")
    int maxBatchRows();

    KvCache kvCache();

    /** Prompt rows one request may put into one forward pass. */
    @WithDefault("256")
    int prefillChunkRows();

    /** Caps the context below what the model supports; absent = the model's limit. */
    Optional<Integer> contextLength();

    /** Images allowed in one request. */
    @WithDefault("16")
    int maxImages();

    Recovery recovery();

    /** Tensor-parallel shards of the decoder: 1 = this process holds it whole. */
    @WithDefault("1")
    int shards();

    Shard shard();
  }

  /** This process's place among the decoder's tensor-parallel shards (read when shards > 1). */
  interface Shard {
    /** 0 = the coordinator (this service); workers (1 .. shards-1) run the shard worker entry point. */
    @WithDefault("0")
    int rank();

    /** host:port of every worker, ranks 1 .. shards-1 in order. */
    Optional<List<String>> peers();

    /** Start-up barrier: how long the coordinator waits for every worker to load and answer. */
    @WithDefault("10m")
    Duration joinTimeout();

    /** How long a reduce waits for a worker's partial sum (and a rejoin for its answer) before the shard counts as lost. */
    @WithDefault("30s")
    Duration deadline();

    /** Largest message on the shard streams (input rows or partial sums of one pass). */
    @WithDefault("268435456")
    int maxMessageBytes();
  }

  /** What the engine does after something is thrown on the model thread. */
  interface Recovery {
    /** Wait before the first attempt to restart the model thread (doubled per failed attempt, at most 30 s). */
    @WithDefault("1s")
    Duration delay();

    /** Broken for longer than this: the process exits (status 70) so its supervisor restarts it. */
    @WithDefault("2m")
    Duration giveUpAfter();
  }

  interface KvCache {
    /**
     * All KV memory: running requests' reservations plus conversations kept for their next turn.
     * Absent = the JVM's direct-memory limit minus {@link #directMemoryHeadroom()}.
     */
    Optional<MemorySize> maxBytes();

    /** Direct memory kept free of KV pages for everything else (gRPC buffers, dropped pages not yet collected). */
    @WithDefault("1G")
    MemorySize directMemoryHeadroom();

    /** An idle conversation's KV cache is dropped after this long unused. */
    @WithDefault("10m")
    Duration idleTtl();

    /** false = no KV reuse between requests at all. */
    @WithDefault("true")
    boolean reuse();
  }

  interface Vision {
    /** vision-service gRPC host (feeds quarkus.grpc.clients.vision.host). */
    @WithDefault("localhost")
    String host();

    /** vision-service gRPC port (feeds quarkus.grpc.clients.vision.port). */
    @WithDefault("9002")
    int port();

    /** Deadline for one Encode call, embeddings stream included. */
    @WithDefault("120s")
    Duration timeout();
  }
}
