package dev.varco.llm.bench;

import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import dev.varco.llm.kernels.ParallelLoop;
import dev.varco.llm.model.DecoderModel;
import dev.varco.llm.model.PromptRows;
import dev.varco.llm.model.RandomQwen2Checkpoint;
import dev.varco.llm.model.SamplingSettings;
import dev.varco.llm.model.TokenHistory;
import dev.varco.llm.model.TokenSampler;
import dev.varco.llm.transformer.KvCache;
import dev.varco.llm.transformer.SequenceRows;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Decoder benchmark (a main class, not a test): random-weight Qwen2.5-0.5B / 1.5B shapes in F32,
 * BF16, Q8 and Q4 (Jlama's block format), through the service's own {@link DecoderModel}, each
 * configuration in a fresh JVM with {@code varco.llm.threads} kernel threads. The references are
 * measured by this harness on the same machine: the FP32 FMA peak ({@link FmaPeak}) for prefill and
 * the read bandwidth for decode. Prints prefill tok/s and % of peak, decode tok/s and % of the
 * bandwidth ceiling, aggregate decode at 1, 2, 4, 8 batched streams, time to first token of a
 * 1485-row and a 7371-row image prompt, and RSS. See llm-service/README.md, "Benchmark".
 *
 * <p>Run: {@code ./mvnw -B -pl llm-service test-compile exec:exec@decoder-benchmark
 * [-Dbench.shapes=0.5b,1.5b -Dbench.dtypes=F32,BF16,Q8,Q4 -Dbench.threads=1,2 -Dbench.prompt=256
 * -Dbench.decode=64 -Dbench.ttft=true -Dbench.profile=false]}.
 */
public final class DecoderBenchmark {
  record ShapeSpec(String name, RandomQwen2Checkpoint.Shape shape) {}

  static final Map<String, ShapeSpec> SHAPES = Map.of(
      "0.5b", new ShapeSpec("0.5b", new RandomQwen2Checkpoint.Shape(896, 4864, 24, 14, 2, 151936, 32768)),
      "1.5b", new ShapeSpec("1.5b", new RandomQwen2Checkpoint.Shape(1536, 8960, 28, 12, 2, 151936, 32768)),
      // A small shape for checking the harness itself in seconds.
      "tiny", new ShapeSpec("tiny", new RandomQwen2Checkpoint.Shape(256, 512, 2, 4, 2, 4096, 4096)));

  private DecoderBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("bench.child") != null) {
      Child.run();
      return;
    }
    List<String> shapes = list("bench.shapes", "0.5b");
    List<String> dtypes = list("bench.dtypes", "F32,BF16,Q8,Q4");
    List<Integer> threads = list("bench.threads", "1,2").stream().map(Integer::parseInt).toList();
    int prompt = Integer.getInteger("bench.prompt", 256);
    int decode = Integer.getInteger("bench.decode", 64);
    Path root = Path.of(System.getProperty("bench.dir", "target/bench-models")).toAbsolutePath();
    Files.createDirectories(root);

    say("machine: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, load " + loadAverage());
    Map<Integer, Double> bandwidth = new LinkedHashMap<>();
    Map<Integer, Double> peak = new LinkedHashMap<>();
    int mb = Integer.getInteger("bench.bandwidth-mb", 1024);
    for (int t : threads) {
      bandwidth.put(t, Bandwidth.measure(t, mb));
      try (ParallelLoop loop = new ParallelLoop(t)) {
        peak.put(t, FmaPeak.gflops(loop, 5));
      }
      say(String.format("%d thread(s): read bandwidth %.1f GB/s (best of 5 SIMD sums over %d MiB), FP32 FMA peak %.1f GFLOP/s, load %s",
          t, bandwidth.get(t), mb, peak.get(t), loadAverage()));
    }

    List<String> rows = new ArrayList<>();
    for (String shapeName : shapes) {
      ShapeSpec spec = SHAPES.get(shapeName);
      if (spec == null) {
        throw new IllegalArgumentException("unknown shape " + shapeName + ", known: " + SHAPES.keySet());
      }
      for (String dtype : dtypes) {
        Path dir = Models.prepare(root, spec, dtype);
        for (int t : threads) {
          say("running " + shapeName + " " + dtype + " threads=" + t + " (fresh JVM) ...");
          Map<String, String> r = Child.spawn(dir, spec, dtype, t, prompt, decode);
          if (r.containsKey("failed")) {
            rows.add(String.format("| %s | %s | %d | %s | | | | | | | | | |", shapeName, dtype, t, r.get("failed")));
            say("  " + rows.getLast());
            continue;
          }
          double ceiling = bandwidth.get(t) * 1e9 / Models.bytesPerToken(spec.shape(), dtype, prompt + decode / 2);
          double decodeTps = Double.parseDouble(r.get("decode_tps"));
          double prefillTps = Double.parseDouble(r.get("prefill_tps"));
          double prefillGflops = prefillTps * Models.flopsPerPromptRow(spec.shape(), prompt) / 1e9;
          rows.add(String.format("| %s | %s | %d | %.1f | %.0f%% | %.2f | %.0f%% | %s | %s | %s | %s | %s | %s |",
              shapeName, dtype, t, prefillTps, 100 * prefillGflops / peak.get(t), decodeTps, 100 * decodeTps / ceiling,
              r.get("aggregate").replace(',', ' '), r.get("itl_ms").replace(',', ' '), r.getOrDefault("ttft_1485", "-"),
              r.getOrDefault("ttft_7371", "-"), r.get("rss_mb"), r.get("load")));
          say("  " + rows.getLast());
        }
      }
    }
    StringBuilder table = new StringBuilder();
    table.append("\n").append(Instant.now()).append(", ").append(cpuModel()).append(", ")
        .append(Runtime.getRuntime().availableProcessors()).append(" CPUs; prompt ").append(prompt)
        .append(" rows, ").append(decode).append(" decode steps;");
    threads.forEach(t -> table.append(String.format(" %d thr: %.1f GB/s, %.1f GFLOP/s;", t, bandwidth.get(t), peak.get(t))));
    table.append("\n\n| shape | dtype | threads | prefill tok/s | % of FMA peak | decode tok/s | % of BW ceiling "
        + "| aggregate decode tok/s at 1 2 4 8 streams | inter-token ms at 1 2 4 8 | TTFT 1485 rows (s) | TTFT 7371 rows (s) "
        + "| RSS MB | load avg (1/5/15) |\n");
    table.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
    rows.forEach(r -> table.append(r).append('\n'));
    System.out.println(table);
    Path out = Path.of("target", "bench-results");
    Files.createDirectories(out);
    Files.writeString(out.resolve("decoder-" + System.currentTimeMillis() + ".md"), table.toString());
  }

  /** Model files: generated once, quantized once, cached under bench.dir. */
  static final class Models {
    static Path prepare(Path root, ShapeSpec spec, String dtype) throws IOException {
      Path dir = root.resolve(spec.name() + "-" + dtype);
      if (Files.exists(dir.resolve(".complete"))) {
        return dir;
      }
      switch (dtype) {
        case "F32", "BF16" -> {
          var format = RandomQwen2Checkpoint.Format.valueOf(dtype);
          say("generating random " + spec.name() + " " + dtype + " checkpoint in " + dir + " ...");
          deleteTree(dir);
          long t0 = System.nanoTime();
          RandomQwen2Checkpoint.writeAll(Map.of(format, dir), spec.shape(), true, 42, DecoderBenchmark::say);
          say(String.format("  done in %.0f s", (System.nanoTime() - t0) / 1e9));
        }
        case "Q8", "Q4" -> {
          Path source = prepare(root, spec, "BF16");
          // Jlama's quantizer wants a README.md next to the weights; embed_tokens stays BF16 (it is
          // also the tied lm_head, read row by row for embeddings).
          Files.writeString(source.resolve("README.md"), "random-weight benchmark model\n");
          deleteTree(dir);
          say("quantizing " + source + " to " + dtype + " (Jlama " + jlamaType(dtype) + ") ...");
          long t0 = System.nanoTime();
          SafeTensorSupport.quantizeModel(
              source, jlamaType(dtype), new String[] {"model.embed_tokens"}, new String[0], Optional.of(dir));
          say(String.format("  done in %.0f s", (System.nanoTime() - t0) / 1e9));
        }
        default -> throw new IllegalArgumentException("unknown dtype " + dtype + " (F32, BF16, Q8, Q4)");
      }
      Files.writeString(dir.resolve(".complete"), Instant.now().toString());
      return dir;
    }

    /**
     * FLOPs of a prompt row, averaged over a {@code prompt}-row prefill from position 0: every
     * layer matrix (2 per weight), attention (q·k and the weighted values over the row's
     * position + 1 keys, per head), and the lm_head once per prompt.
     */
    static double flopsPerPromptRow(RandomQwen2Checkpoint.Shape s, int prompt) {
      int kvWidth = s.hidden() / s.heads() * s.kvHeads();
      double matrices = 2.0 * (2.0 * s.hidden() * s.hidden() + 2.0 * kvWidth * s.hidden() + 3.0 * s.intermediate() * s.hidden());
      double attention = 2.0 * 2 * s.hidden() * (prompt + 1) / 2.0;
      return s.layers() * (matrices + attention) + 2.0 * s.vocab() * s.hidden() / prompt;
    }

    static DType jlamaType(String dtype) {
      return dtype.equals("Q8") ? DType.I8 : DType.Q4;
    }

    /**
     * Bytes one decode step must read: every layer matrix in its storage format (Q8: 1 byte + a
     * float scale per 32 values; Q4: half a byte + a float scale per 32), biases and norms, the
     * tied lm_head (= embed_tokens, F32 for F32 models, BF16 otherwise: the quantizer skips it),
     * and the float32 K and V of {@code context} positions in every layer.
     */
    static double bytesPerToken(RandomQwen2Checkpoint.Shape s, String dtype, int context) {
      int kvWidth = s.hidden() / s.heads() * s.kvHeads();
      double perLayerWeights =
          2.0 * s.hidden() * s.hidden() + 2.0 * kvWidth * s.hidden() + 3.0 * s.intermediate() * s.hidden();
      double perWeight = switch (dtype) {
        case "F32" -> 4;
        case "BF16" -> 2;
        case "Q8" -> 1 + 4.0 / 32;
        case "Q4" -> 0.5 + 4.0 / 32;
        default -> throw new IllegalArgumentException(dtype);
      };
      double smallF32PerLayer = 4.0 * (2 * s.hidden() + s.hidden() + 2 * kvWidth);
      double head = (dtype.equals("F32") ? 4.0 : 2.0) * s.vocab() * s.hidden();
      double kv = 4.0 * 2 * kvWidth * context;
      return s.layers() * (perLayerWeights * perWeight + smallF32PerLayer + kv) + head;
    }
  }

  /** One configuration, measured in its own JVM. */
  static final class Child {
    static Map<String, String> spawn(Path dir, ShapeSpec spec, String dtype, int threads, int prompt, int decode)
        throws IOException, InterruptedException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (!arg.startsWith("-Dbench.child") && !arg.startsWith("-Dvarco.llm.threads")) {
          cmd.add(arg);
        }
      }
      cmd.addAll(List.of(
          "-Dbench.child=" + dir, "-Dbench.child.shape=" + spec.name(), "-Dbench.child.dtype=" + dtype,
          "-Dvarco.llm.threads=" + threads, "-Dbench.prompt=" + prompt, "-Dbench.decode=" + decode,
          "-cp", System.getProperty("java.class.path"), DecoderBenchmark.class.getName()));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      Map<String, String> result = new HashMap<>();
      StringBuilder failure = new StringBuilder();
      try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) {
          if (line.startsWith("RESULT ")) {
            for (String kv : line.substring(7).split(" ")) {
              int eq = kv.indexOf('=');
              result.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
          } else if (line.startsWith("bench:") || line.startsWith("  ") || line.contains("Exception") || line.contains("Error")) {
            System.out.println("    | " + line);
            if (failure.isEmpty() && line.contains("Exception: ")) {
              failure.append(line.substring(line.lastIndexOf("Exception: ") + 11).trim());
            }
          }
        }
      }
      int rc = p.waitFor();
      if (rc != 0 || !result.containsKey("decode_tps")) {
        result.put("failed", "fails (exit " + rc + "): " + (failure.isEmpty() ? "see log" : failure));
      }
      return result;
    }

    static void run() throws Exception {
      Path dir = Path.of(System.getProperty("bench.child"));
      int prompt = Integer.getInteger("bench.prompt", 256);
      int decode = Integer.getInteger("bench.decode", 64);
      boolean profile = Boolean.getBoolean("bench.profile");
      String loadBefore = loadAverage();
      Map<String, String> result = new LinkedHashMap<>();
      try (DecoderModel model = DecoderModel.load(dir, Integer.getInteger("bench.chunk", 256))) {
        int[] ids = new SplittableRandom(7).ints(8000, 0, model.vocabSize() - 2).toArray();
        // Warm-up: JIT and the first touch of every mapped weight page.
        try (KvCache kv = model.newKvCache()) {
          float[] logits = model.prefill(PromptRows.ofTokens(Arrays.copyOf(ids, 64)), 0, 64, 0, kv);
          for (int i = 0; i < 6; i++) {
            logits = model.decode(argmax(logits), 64 + i, kv);
          }
        }
        PromptRows rows = PromptRows.ofTokens(Arrays.copyOf(ids, prompt));
        try (KvCache kv = model.newKvCache()) {
          long t0 = System.nanoTime();
          float[] logits = model.prefill(rows, 0, prompt, 0, kv);
          result.put("prefill_tps", String.format("%.3f", prompt / ((System.nanoTime() - t0) / 1e9)));
          TokenSampler sampler = new TokenSampler(SamplingSettings.greedy());
          TokenHistory history = new TokenHistory(rows.textTokenIds());
          Recording recording = null;
          if (profile) {
            recording = new Recording(Configuration.getConfiguration("profile"));
            recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(5));
            recording.start();
          }
          long t1 = System.nanoTime();
          for (int step = 0; step < decode; step++) {
            int token = sampler.next(logits, history).tokenId();
            history.addGenerated(token);
            logits = model.decode(token, prompt + step, kv);
          }
          result.put("decode_tps", String.format("%.3f", decode / ((System.nanoTime() - t1) / 1e9)));
          if (recording != null) {
            recording.stop();
            Path jfr = Path.of("target", "bench-results",
                System.getProperty("bench.child.shape") + "-" + System.getProperty("bench.child.dtype") + "-t"
                    + System.getProperty("varco.llm.threads") + ".jfr");
            Files.createDirectories(jfr.getParent());
            recording.dump(jfr);
            recording.close();
            Profile.summarize(jfr);
          }
        }
        aggregateDecode(model, ids, decode, result);
        for (int rowsOfImage : new int[] {1485, 7371}) {
          if (Boolean.parseBoolean(System.getProperty("bench.ttft", "true"))) {
            result.put("ttft_" + rowsOfImage, String.format("%.1f", timeToFirstToken(model, ids, rowsOfImage)));
          }
        }
      }
      result.put("rss_mb", Long.toString(rssMb()));
      result.put("load", (loadBefore + "->" + loadAverage()).replace(' ', '/'));
      StringBuilder line = new StringBuilder("RESULT");
      result.forEach((k, v) -> line.append(' ').append(k).append('=').append(v));
      System.out.println(line);
    }

    /**
     * n streams decoding together, one batched forward pass per step (as the scheduler runs
     * them): aggregate tokens/s and the time between two tokens of a stream, for n = 1, 2, 4, 8.
     */
    static void aggregateDecode(DecoderModel model, int[] ids, int steps, Map<String, String> result) {
      StringBuilder aggregate = new StringBuilder();
      StringBuilder interToken = new StringBuilder();
      int promptRows = 32;
      int hidden = model.hiddenSize();
      for (int streams : new int[] {1, 2, 4, 8}) {
        List<KvCache> caches = new ArrayList<>();
        try {
          List<SequenceRows> batch = new ArrayList<>();
          float[] input = new float[streams * promptRows * hidden];
          for (int s = 0; s < streams; s++) {
            caches.add(model.newKvCache());
            for (int r = 0; r < promptRows; r++) {
              model.copyTokenEmbedding(ids[s * promptRows + r], input, (s * promptRows + r) * hidden);
            }
            batch.add(new SequenceRows(caches.get(s), 0, promptRows, true));
          }
          float[][] logits = model.forward(batch, input);
          long t0 = System.nanoTime();
          for (int step = 0; step < steps; step++) {
            float[] next = new float[streams * hidden];
            batch.clear();
            for (int s = 0; s < streams; s++) {
              model.copyTokenEmbedding(argmax(logits[s]), next, s * hidden);
              batch.add(new SequenceRows(caches.get(s), promptRows + step, 1, true));
            }
            logits = model.forward(batch, next);
          }
          double seconds = (System.nanoTime() - t0) / 1e9;
          aggregate.append(aggregate.isEmpty() ? "" : ",").append(String.format("%.1f", streams * steps / seconds));
          interToken.append(interToken.isEmpty() ? "" : ",").append(String.format("%.0f", 1000 * seconds / steps));
        } finally {
          caches.forEach(KvCache::close);
        }
      }
      result.put("aggregate", aggregate.toString());
      result.put("itl_ms", interToken.toString());
    }

    /** Seconds from an image prompt's first row to its first token's logits (rows stand in for image rows). */
    static double timeToFirstToken(DecoderModel model, int[] ids, int rows) {
      int[] tokens = new int[rows];
      for (int i = 0; i < rows; i++) {
        tokens[i] = ids[i % ids.length];
      }
      try (KvCache kv = model.newKvCache()) {
        long t0 = System.nanoTime();
        model.prefill(PromptRows.ofTokens(tokens), 0, rows, 0, kv);
        return (System.nanoTime() - t0) / 1e9;
      }
    }

    static int argmax(float[] logits) {
      int best = 0;
      for (int i = 1; i < logits.length; i++) {
        if (logits[i] > logits[best]) {
          best = i;
        }
      }
      return best;
    }
  }

  /**
   * Aggregates the JFR samples of the decode phase (Java and native-method samples, all threads):
   * each sample is charged to the part of the model it serves (the innermost model-level frame)
   * and to the kernel it is in.
   */
  static final class Profile {
    /** Innermost frame matching one of these (checked top-down) names the part; else "other". */
    static final List<Map.Entry<String, String>> PARTS = List.of(
        Map.entry("Bf16Matrix.unpackRows", "BF16 widening into panels"),
        Map.entry("Q8Matrix.unpackRows", "Q8 dequantizing into panels"),
        Map.entry("Q4Matrix.unpackRows", "Q4 dequantizing into panels"),
        Map.entry("F32Matrix.unpackRows", "F32 copy into panels"),
        Map.entry("MatMul", "matmul tiles"),
        Map.entry("TransformerForward.attend", "attention"),
        Map.entry("TransformerForward.dot", "attention"),
        Map.entry("VectorMath", "norms, SiLU, residuals"),
        Map.entry("ParallelLoop", "thread hand-offs"),
        Map.entry("TokenSampler", "TokenSampler"),
        Map.entry("DecoderModel.copyTokenEmbedding", "copyTokenEmbedding"),
        Map.entry("TransformerForward", "forward other"),
        Map.entry("DecoderModel", "DecoderModel other"),
        Map.entry("DecoderBenchmark", "harness"));

    public static void main(String[] args) throws IOException {
      for (String a : args) {
        summarize(Path.of(a));
      }
    }

    static void summarize(Path jfr) throws IOException {
      Map<String, Long> parts = new HashMap<>();
      Map<String, Long> kernels = new HashMap<>();
      Map<String, Long> threads = new HashMap<>();
      long total = 0;
      for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
        String type = e.getEventType().getName();
        if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) {
          continue;
        }
        if (e.getStackTrace() == null || e.getStackTrace().getFrames().isEmpty()) {
          continue;
        }
        // Hidden frames are method-handle and downcall plumbing (jfr print leaves them out too).
        List<String> frames = e.getStackTrace().getFrames().stream()
            .filter(f -> !f.getMethod().isHidden()).map(Profile::name).toList();
        if (frames.isEmpty()) {
          continue;
        }
        if (type.equals("jdk.NativeMethodSample") && !frames.getFirst().contains("jlama")) {
          continue; // a thread waiting in a native call (park, epoll, JFR itself): not work
        }
        total++;
        String part = "other";
        outer:
        for (String f : frames) {
          for (var p : PARTS) {
            if (f.contains(p.getKey())) {
              part = p.getValue();
              break outer;
            }
          }
        }
        parts.merge(part, 1L, Long::sum);
        String kernel = frames.stream()
            .filter(f -> f.contains("cnative.NativeSimd.") || f.contains("PanamaTensorOperations.")
                || f.contains("VectorMath.softMax") || f.contains("dev.varco."))
            .findFirst().orElse(frames.getFirst());
        kernels.merge(kernel, 1L, Long::sum);
        threads.merge(e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName(), 1L, Long::sum);
      }
      long all = Math.max(1, total);
      System.out.println("bench: profile " + jfr + ": " + total + " busy samples in the decode phase (all threads)");
      print("by part of the model", parts, all, 20);
      print("by kernel (innermost native/Panama kernel or service frame)", kernels, all, 12);
      print("by thread", threads, all, 6);
    }

    static void print(String title, Map<String, Long> counts, long all, int limit) {
      System.out.println("bench: " + title + ":");
      counts.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(limit)
          .forEach(en -> System.out.printf("  %5.1f%%  %s%n", 100.0 * en.getValue() / all, en.getKey()));
    }

    static String name(RecordedFrame f) {
      return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }
  }

  /**
   * Read bandwidth: SIMD float sums (Vector API, preferred width, 4 accumulators) over an array
   * much larger than the caches, split over the threads; best of 5 timed passes after a warm-up.
   */
  static final class Bandwidth {
    static final jdk.incubator.vector.VectorSpecies<Float> SPECIES = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED;

    static double measure(int threads, int mb) throws InterruptedException {
      float[] data = new float[mb * (1 << 20) / 4];
      for (int i = 0; i < data.length; i++) {
        data[i] = i & 1023;
      }
      double best = 0;
      double[] sink = new double[threads];
      int step = SPECIES.length() * 4;
      for (int run = 0; run < 6; run++) {
        Thread[] workers = new Thread[threads];
        int per = data.length / threads / step * step;
        long t0 = System.nanoTime();
        for (int t = 0; t < threads; t++) {
          int from = t * per;
          int to = t == threads - 1 ? data.length : from + per;
          int slot = t;
          workers[t] = new Thread(() -> sink[slot] += sum(data, from, to));
          workers[t].start();
        }
        for (Thread w : workers) {
          w.join();
        }
        double gbs = 4.0 * data.length / ((System.nanoTime() - t0) / 1e9) / 1e9;
        if (run > 0) {
          best = Math.max(best, gbs);
        }
      }
      if (Arrays.stream(sink).sum() == 42) {
        System.out.print("");
      }
      return best;
    }

    static float sum(float[] a, int from, int to) {
      int n = SPECIES.length();
      var a0 = jdk.incubator.vector.FloatVector.zero(SPECIES);
      var a1 = a0;
      var a2 = a0;
      var a3 = a0;
      int i = from;
      for (; i + 4 * n <= to; i += 4 * n) {
        a0 = a0.add(jdk.incubator.vector.FloatVector.fromArray(SPECIES, a, i));
        a1 = a1.add(jdk.incubator.vector.FloatVector.fromArray(SPECIES, a, i + n));
        a2 = a2.add(jdk.incubator.vector.FloatVector.fromArray(SPECIES, a, i + 2 * n));
        a3 = a3.add(jdk.incubator.vector.FloatVector.fromArray(SPECIES, a, i + 3 * n));
      }
      float tail = 0;
      for (; i < to; i++) {
        tail += a[i];
      }
      return a0.add(a1).add(a2).add(a3).reduceLanes(jdk.incubator.vector.VectorOperators.ADD) + tail;
    }
  }

  static long rssMb() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
      }
    } catch (IOException ignored) {
      // not Linux
    }
    return -1;
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  static String cpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines.filter(l -> l.startsWith("model name")).findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
    } catch (IOException e) {
      return "?";
    }
  }

  static List<String> list(String property, String defaults) {
    return Arrays.stream(System.getProperty(property, defaults).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }

  static void say(String line) {
    System.out.println("bench: " + line);
    System.out.flush();
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
