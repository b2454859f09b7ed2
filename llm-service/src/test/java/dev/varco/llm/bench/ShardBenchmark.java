package dev.varco.llm.bench;

import dev.varco.llm.model.DecoderModel;
import dev.varco.llm.model.PromptRows;
import dev.varco.llm.shard.ModelDigest;
import dev.varco.llm.shard.wire.ReduceObserver;
import dev.varco.llm.shard.wire.ShardCoordinator;
import dev.varco.llm.shard.wire.ShardPeer;
import dev.varco.llm.shard.wire.ShardWorkerProcess;
import dev.varco.llm.shard.wire.VethNamespace;
import dev.varco.llm.transformer.KvCache;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Tensor-parallel benchmark (a main class, not a test): the 0.5B shape (or another of
 * {@link DecoderBenchmark}'s, same cached random models) as one process with 1 and 2 kernel
 * threads, and as 2 shards (this JVM the coordinator with 1 thread, a real worker process with 1
 * thread). Each configuration: warm-up, one {@code bench.prompt}-row prefill (one chunk), then
 * {@code bench.decode} greedy decode steps. Prints decode tok/s, all-reduce time per token and per
 * reduce (the coordinator's wait for the worker's partial sum included), the partial-sum payload
 * per decode token and per prefill row, and, when the worker runs in its own network namespace
 * (root, iproute2: the default where allowed), the bytes the kernel counted on the veth link,
 * every header included. See llm-service/README.md, "Shard benchmark".
 *
 * <p>Run: {@code ./mvnw -B -pl llm-service test-compile exec:exec@shard-benchmark
 * [-Dbench.shapes=0.5b -Dbench.shard-dtype=BF16 -Dbench.prompt=256 -Dbench.shard-decode=32]}.
 */
public final class ShardBenchmark {
  private ShardBenchmark() {}

  /** What one configuration measured. */
  record Run(String config, double prefillRowsPerSecond, double prefillReduceMs, double decodeTokensPerSecond, double reduceMsPerToken,
      double reduceUsPerReduce, double payloadBytesPerToken, double payloadBytesPerPrefillRow,
      double wireBytesPerToken, double wireBytesPerPrefillRow) {}

  /** Sums what the coordinator reports of its all-reduces. */
  static final class Tally implements ReduceObserver {
    long nanos;
    long reduces;
    long bytes;

    @Override
    public void reduced(long n, long sent, long received) {
      nanos += n;
      reduces++;
      bytes += sent + received;
    }
  }

  public static void main(String[] args) throws Exception {
    String shapeName = DecoderBenchmark.list("bench.shapes", "0.5b").getFirst();
    String dtype = System.getProperty("bench.shard-dtype", "BF16");
    int prompt = Integer.getInteger("bench.prompt", 256);
    int decode = Integer.getInteger("bench.decode", 32);
    DecoderBenchmark.ShapeSpec spec = DecoderBenchmark.SHAPES.get(shapeName);
    Path root = Path.of(System.getProperty("bench.dir", "target/bench-models")).toAbsolutePath();
    Path dir = DecoderBenchmark.Models.prepare(root, spec, dtype);
    String loadBefore = DecoderBenchmark.loadAverage();
    DecoderBenchmark.say("machine: " + DecoderBenchmark.cpuModel() + ", " + Runtime.getRuntime().availableProcessors()
        + " CPUs, load " + loadBefore + "; " + shapeName + " " + dtype + ", prompt " + prompt + " rows, " + decode + " decode steps");

    List<Run> runs = new ArrayList<>();
    for (int threads : new int[] {1, 2}) {
      System.setProperty("varco.llm.threads", Integer.toString(threads));
      try (DecoderModel model = DecoderModel.load(dir, prompt)) {
        runs.add(measure("1 process, " + threads + " thread" + (threads > 1 ? "s" : ""), model, null, null, prompt, decode));
      }
      DecoderBenchmark.say(row(runs.getLast()));
    }

    System.setProperty("varco.llm.threads", "1");
    // bench.shard-link=loopback keeps the worker in this namespace (to compare with the veth link).
    Optional<String> noNamespace = System.getProperty("bench.shard-link", "netns").equals("loopback")
        ? Optional.of("bench.shard-link=loopback") : VethNamespace.unavailable();
    VethNamespace namespace = noNamespace.isEmpty() ? VethNamespace.create() : null;
    String where = namespace == null ? "loopback (" + noNamespace.get() + ")" : "a veth pair into network namespace " + namespace.name();
    DecoderBenchmark.say("2 shards: the worker runs over " + where);
    try (ShardWorkerProcess worker = namespace == null
        ? ShardWorkerProcess.start("bench", dir, 2, 1)
        : ShardWorkerProcess.start("bench", dir, 2, 1, 0, namespace.address(), namespace.launcher())) {
      String[] address = worker.address().split(":");
      Tally tally = new Tally();
      ShardCoordinator coordinator = new ShardCoordinator(new ShardCoordinator.Settings(2,
          List.of(new ShardPeer(1, address[0], Integer.parseInt(address[1]))), Duration.ofMinutes(2), Duration.ofMinutes(1),
          256 << 20), ModelDigest.of(dir), tally);
      try (DecoderModel model = DecoderModel.load(dir, prompt, coordinator)) {
        runs.add(measure("2 shards, 1 thread each", model, tally, namespace, prompt, decode));
      }
      DecoderBenchmark.say(row(runs.getLast()));
    } finally {
      if (namespace != null) {
        namespace.close();
      }
    }

    StringBuilder table = new StringBuilder();
    table.append('\n').append(Instant.now()).append(", ").append(DecoderBenchmark.cpuModel()).append(", ")
        .append(Runtime.getRuntime().availableProcessors()).append(" CPUs, load average ").append(loadBefore)
        .append(" -> ").append(DecoderBenchmark.loadAverage()).append("; ").append(shapeName).append(' ').append(dtype)
        .append(", prompt ").append(prompt).append(" rows (one chunk), ").append(decode).append(" decode steps; worker over ")
        .append(where).append("\n\n| configuration | prefill rows/s | prefill all-reduce ms | decode tok/s | all-reduce ms per token "
            + "| µs per all-reduce | payload B per token | payload B per prefill row | wire B per token | wire B per prefill row |\n")
        .append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    runs.forEach(r -> table.append(row(r)).append('\n'));
    System.out.println(table);
    Path out = Path.of("target", "bench-results");
    Files.createDirectories(out);
    Files.writeString(out.resolve("shards-" + System.currentTimeMillis() + ".md"), table.toString());
  }

  private static Run measure(String config, DecoderModel model, Tally tally, VethNamespace link, int prompt, int decode)
      throws Exception {
    int[] ids = new SplittableRandom(7).ints(prompt, 0, model.vocabSize() - 2).toArray();
    // Warm-up (every rank's JIT, first touch of the mapped weights): a prefill and some decodes.
    int warmup = Integer.getInteger("bench.warmup", 16);
    try (KvCache kv = model.newKvCache()) {
      float[] logits = model.prefill(PromptRows.ofTokens(Arrays.copyOf(ids, 64)), 0, 64, 0, kv);
      for (int i = 0; i < warmup; i++) {
        logits = model.decode(DecoderBenchmark.Child.argmax(logits), 64 + i, kv);
      }
    }
    try (KvCache kv = model.newKvCache()) {
      Snapshot s0 = Snapshot.of(tally, link);
      long t0 = System.nanoTime();
      float[] logits = model.prefill(PromptRows.ofTokens(ids), 0, prompt, 0, kv);
      double prefillSeconds = (System.nanoTime() - t0) / 1e9;
      Snapshot s1 = Snapshot.of(tally, link);
      long t1 = System.nanoTime();
      for (int step = 0; step < decode; step++) {
        logits = model.decode(DecoderBenchmark.Child.argmax(logits), prompt + step, kv);
      }
      double decodeSeconds = (System.nanoTime() - t1) / 1e9;
      Snapshot s2 = Snapshot.of(tally, link);
      long reduces = s2.reduces - s1.reduces;
      return new Run(config, prompt / prefillSeconds, (s1.nanos - s0.nanos) / 1e6, decode / decodeSeconds,
          (s2.nanos - s1.nanos) / 1e6 / decode, reduces == 0 ? 0 : (s2.nanos - s1.nanos) / 1e3 / reduces,
          (double) (s2.payload - s1.payload) / decode, (double) (s1.payload - s0.payload) / prompt,
          (double) (s2.wire - s1.wire) / decode, (double) (s1.wire - s0.wire) / prompt);
    }
  }

  /** Counters at one moment: reduce time and count, partial-sum payload, bytes on the link. */
  private record Snapshot(long nanos, long reduces, long payload, long wire) {
    static Snapshot of(Tally tally, VethNamespace link) throws java.io.IOException {
      long wire = 0;
      if (link != null) {
        long[] bytes = link.hostSideBytes();
        wire = bytes[0] + bytes[1];
      }
      return tally == null ? new Snapshot(0, 0, 0, wire) : new Snapshot(tally.nanos, tally.reduces, tally.bytes, wire);
    }
  }

  private static String row(Run r) {
    boolean sharded = r.reduceUsPerReduce() > 0;
    return String.format("| %s | %.1f | %s | %.2f | %s | %s | %s | %s | %s | %s |", r.config(), r.prefillRowsPerSecond(),
        sharded ? String.format("%.0f", r.prefillReduceMs()) : "-", r.decodeTokensPerSecond(), sharded ? String.format("%.2f", r.reduceMsPerToken()) : "-",
        sharded ? String.format("%.0f", r.reduceUsPerReduce()) : "-",
        sharded ? String.format("%.0f", r.payloadBytesPerToken()) : "-",
        sharded ? String.format("%.0f", r.payloadBytesPerPrefillRow()) : "-",
        r.wireBytesPerToken() > 0 ? String.format("%.0f", r.wireBytesPerToken()) : "-",
        r.wireBytesPerPrefillRow() > 0 ? String.format("%.0f", r.wireBytesPerPrefillRow()) : "-");
  }
}
