package dev.varco.llm.bench;

import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import dev.varco.llm.transformer.KvCache;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import dev.varco.llm.model.DecoderModel;
import dev.varco.llm.model.PromptRows;
import dev.varco.llm.model.RandomQwen2Checkpoint;
import dev.varco.llm.model.SamplingSettings;
import dev.varco.llm.model.TokenHistory;
import dev.varco.llm.model.TokenSampler;
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
 * Decoder throughput benchmark (a main class, not a test): random-weight Qwen2.5-0.5B / 1.5B
 * shapes in F32, BF16, Q8 and Q4 (Jlama's own quantized format), prefill and decode tokens/s
 * through the service's own {@link DecoderModel} + {@link TokenSampler}, each configuration in a
 * fresh JVM (Jlama sizes its thread pool once per process), next to the memory-bandwidth ceiling
 * measured by this harness. See llm-service/README.md, "Benchmark".
 *
 * <p>Run: {@code ./mvnw -B -pl llm-service test-compile exec:exec@decoder-benchmark
 * [-Dbench.shapes=0.5b,1.5b -Dbench.dtypes=F32,BF16,Q8,Q4 -Dbench.threads=1,2 -Dbench.prompt=128
 * -Dbench.decode=64 -Dbench.kernels=native -Dbench.profile=false]}.
 */
public final class DecoderBenchmark {
  record ShapeSpec(String name, RandomQwen2Checkpoint.Shape shape) {}

  static final Map<String, ShapeSpec> SHAPES = Map.of(
      "0.5b", new ShapeSpec("0.5b", new RandomQwen2Checkpoint.Shape(896, 4864, 24, 14, 2, 151936, 32768)),
      "1.5b", new ShapeSpec("1.5b", new RandomQwen2Checkpoint.Shape(1536, 8960, 28, 12, 2, 151936, 32768)),
      // A small shape for checking the harness itself in seconds.
      "tiny", new ShapeSpec("tiny", new RandomQwen2Checkpoint.Shape(256, 512, 2, 4, 2, 4096, 4096)));

  /** llama.cpp decode tok/s on a machine like this one (issue 4), keyed shape/dtype. */
  static final Map<String, String> LLAMA_CPP = Map.of(
      "0.5b/BF16", "30 (F16)", "0.5b/Q8", "48 (Q8_0)", "0.5b/Q4", "65 (Q4_0)", "1.5b/Q4", "27 (Q4_0)");

  private DecoderBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (System.getProperty("bench.child") != null) {
      Child.run();
      return;
    }
    List<String> shapes = list("bench.shapes", "0.5b");
    List<String> dtypes = list("bench.dtypes", "F32,BF16,Q8,Q4");
    List<Integer> threads = list("bench.threads", "1,2").stream().map(Integer::parseInt).toList();
    List<String> kernels = list("bench.kernels", "native");
    int prompt = Integer.getInteger("bench.prompt", 128);
    int decode = Integer.getInteger("bench.decode", 64);
    Path root = Path.of(System.getProperty("bench.dir", "target/bench-models")).toAbsolutePath();
    Files.createDirectories(root);

    say("machine: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, load " + loadAverage());
    Map<Integer, Double> bandwidth = new LinkedHashMap<>();
    int mb = Integer.getInteger("bench.bandwidth-mb", 1024);
    for (int t : threads) {
      bandwidth.put(t, Bandwidth.measure(t, mb));
      say(String.format("read bandwidth, %d thread(s): %.1f GB/s (best of 5 SIMD sums over %d MiB), load %s", t, bandwidth.get(t), mb, loadAverage()));
    }

    List<String> rows = new ArrayList<>();
    for (String shapeName : shapes) {
      ShapeSpec spec = SHAPES.get(shapeName);
      if (spec == null) {
        throw new IllegalArgumentException("unknown shape " + shapeName + ", known: " + SHAPES.keySet());
      }
      for (String dtype : dtypes) {
        Path dir = Models.prepare(root, spec, dtype);
        for (String kernel : kernels) {
          for (int t : threads) {
            say("running " + shapeName + " " + dtype + " " + kernel + " threads=" + t + " (fresh JVM) ...");
            Map<String, String> r = Child.spawn(dir, spec, dtype, t, kernel, prompt, decode);
            if (r.containsKey("failed")) {
              rows.add(String.format("| %s | %s | %s | %d | %s | | | | %s | | | %s |",
                  shapeName, dtype, kernel, t, r.get("failed"), LLAMA_CPP.getOrDefault(shapeName + "/" + dtype, "-"), loadAverage()));
              say("  " + rows.getLast());
              continue;
            }
            double ceiling = bandwidth.get(t) * 1e9 / Models.bytesPerToken(spec.shape(), dtype, prompt + decode / 2);
            double decodeTps = Double.parseDouble(r.get("decode_tps"));
            rows.add(String.format("| %s | %s | %s | %d | %.1f | %.2f | %.1f | %.0f%% | %s | %.2f | %s | %s |",
                shapeName, dtype, kernel, t,
                Double.parseDouble(r.get("prefill_tps")), decodeTps, ceiling, 100 * decodeTps / ceiling,
                LLAMA_CPP.getOrDefault(shapeName + "/" + dtype, "-"),
                Double.parseDouble(r.get("sampler_ms")), r.get("rss_mb"), r.get("load")));
            say("  " + rows.getLast());
          }
        }
      }
    }
    StringBuilder table = new StringBuilder();
    table.append("\n").append(Instant.now()).append(", ").append(cpuModel()).append(", ")
        .append(Runtime.getRuntime().availableProcessors()).append(" CPUs; prompt ").append(prompt)
        .append(" rows, ").append(decode).append(" decode steps; bandwidth ");
    bandwidth.forEach((t, g) -> table.append(String.format("%.1f GB/s (%d thr) ", g, t)));
    table.append("\n\n| shape | dtype | kernels | threads | prefill tok/s | decode tok/s | ceiling tok/s | % of ceiling | llama.cpp decode tok/s | sampler ms/token | RSS MB | load avg (1/5/15) |\n");
    table.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
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
    static Map<String, String> spawn(Path dir, ShapeSpec spec, String dtype, int threads, String kernel, int prompt, int decode)
        throws IOException, InterruptedException {
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (!arg.startsWith("-Djlama.") && !arg.startsWith("-Dbench.child")) {
          cmd.add(arg);
        }
      }
      if (kernel.equals("panama")) {
        cmd.add("-Djlama.force_panama_tensor_operations=true");
      }
      cmd.addAll(List.of(
          "-Dbench.child=" + dir, "-Dbench.child.shape=" + spec.name(), "-Dbench.child.dtype=" + dtype,
          "-Dbench.child.threads=" + threads, "-Dbench.child.kernel=" + kernel,
          "-Dbench.prompt=" + prompt, "-Dbench.decode=" + decode,
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
      int threads = Integer.getInteger("bench.child.threads");
      int prompt = Integer.getInteger("bench.prompt", 128);
      int decode = Integer.getInteger("bench.decode", 64);
      boolean profile = Boolean.getBoolean("bench.profile");
      // Jlama's pool defaults to availableProcessors()/2 threads; set it before any Jlama work.
      PhysicalCoreExecutor.overrideThreadCount(threads);
      Path work = Files.createDirectories(Path.of("target", "bench-work", "run-" + ProcessHandle.current().pid()));
      String loadBefore = loadAverage();
      try (DecoderModel model = DecoderModel.load(dir, Integer.getInteger("bench.chunk", 4))) {
        int[] ids = new SplittableRandom(7).ints(prompt + 16, 0, model.vocabSize() - 2).toArray();
        // Warm-up: JIT and Jlama's lazily mapped pages (first touch of every weight).
        try (KvCache kv = model.newKvCache()) {
          float[] logits = model.prefill(PromptRows.ofTokens(Arrays.copyOf(ids, 8)), 0, 8, 0, kv);
          TokenSampler sampler = new TokenSampler(SamplingSettings.greedy());
          for (int i = 0; i < 6; i++) {
            logits = model.decode(sampler.next(logits, new TokenHistory(new int[0])).tokenId(), 8 + i, kv);
          }
        }
        PromptRows rows = PromptRows.ofTokens(Arrays.copyOf(ids, prompt));
        try (KvCache kv = model.newKvCache()) {
          long t0 = System.nanoTime();
          float[] logits = model.prefill(rows, 0, prompt, 0, kv);
          double prefillS = (System.nanoTime() - t0) / 1e9;
          TokenSampler sampler = new TokenSampler(SamplingSettings.greedy());
          TokenHistory history = new TokenHistory(rows.textTokenIds());
          Recording recording = null;
          if (profile) {
            recording = new Recording(Configuration.getConfiguration("profile"));
            recording.enable("jdk.ExecutionSample").withPeriod(java.time.Duration.ofMillis(5));
            recording.enable("jdk.NativeMethodSample").withPeriod(java.time.Duration.ofMillis(5));
            recording.start();
          }
          long samplerNs = 0;
          long t1 = System.nanoTime();
          for (int step = 0; step < decode; step++) {
            long s0 = System.nanoTime();
            int token = sampler.next(logits, history).tokenId();
            samplerNs += System.nanoTime() - s0;
            history.addGenerated(token);
            logits = model.decode(token, prompt + step, kv);
          }
          double decodeS = (System.nanoTime() - t1) / 1e9;
          if (recording != null) {
            recording.stop();
            Path jfr = Path.of("target", "bench-results",
                System.getProperty("bench.child.shape") + "-" + System.getProperty("bench.child.dtype") + "-"
                    + System.getProperty("bench.child.kernel") + "-t" + threads + ".jfr");
            Files.createDirectories(jfr.getParent());
            recording.dump(jfr);
            recording.close();
            Profile.summarize(jfr);
          }
          System.out.printf("RESULT prefill_tps=%.3f decode_tps=%.3f sampler_ms=%.3f rss_mb=%d load=%s%n",
              prompt / prefillS, decode / decodeS, samplerNs / 1e6 / decode, rssMb(), (loadBefore + "->" + loadAverage()).replace(' ', '/'));
        }
      } finally {
        deleteTree(work);
      }
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
        Map.entry("DecoderModel.lambda$rawLogits", "lm_head (DecoderModel.rawLogits dot products)"),
        Map.entry("DecoderModel.rawLogits", "lm_head other (final norm, copy out)"),
        Map.entry("TokenSampler", "TokenSampler"),
        Map.entry("DecoderModel.copyTokenEmbedding", "copyTokenEmbedding"),
        Map.entry("MLPBlock", "Jlama MLP (gate/up/down)"),
        Map.entry("CausalSelfAttention", "Jlama attention (q/k/v/o + scores)"),
        Map.entry("LayerNorm", "Jlama norms"),
        Map.entry("TransformerBlock", "Jlama block glue"),
        Map.entry("AbstractModel", "Jlama forward glue (embedding, residuals)"),
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
