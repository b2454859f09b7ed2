package dev.varco.llm.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a random-weight Qwen2 checkpoint in the Hugging Face layout Jlama loads (config.json, one
 * float32 model.safetensors, a minimal byte-level tokenizer.json). Lets tests run the decoder at a
 * realistic width (hidden 896, the Qwen2.5-0.5B shape) where Jlama's batched kernels are known to
 * misbehave, without downloading anything.
 */
public final class RandomQwen2Checkpoint {
  public record Shape(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, int maxPositions) {}

  private static final ObjectMapper JSON = new ObjectMapper();

  private RandomQwen2Checkpoint() {}

  public static Path write(Path dir, Shape shape, long seed) throws IOException {
    writeAll(Map.of(Format.F32, dir), shape, false, seed, ignored -> {});
    return dir;
  }

  /** Storage type of the weight file. */
  public enum Format {
    F32(4),
    BF16(2);

    final int bytes;

    Format(int bytes) {
      this.bytes = bytes;
    }
  }

  /**
   * Writes the same random weights (one random stream) into one checkpoint directory per format:
   * BF16 values are the F32 values rounded to nearest even. With {@code tiedEmbeddings} there is
   * no {@code lm_head.weight} and the config says {@code tie_word_embeddings: true} (Qwen2.5-0.5B
   * and 1.5B are tied). Streams tensor by tensor, so multi-GB checkpoints need little heap.
   */
  public static void writeAll(
      Map<Format, Path> dirs, Shape shape, boolean tiedEmbeddings, long seed, java.util.function.Consumer<String> progress)
      throws IOException {
    for (var e : dirs.entrySet()) {
      Files.createDirectories(e.getValue());
      writeConfig(e.getValue(), shape, tiedEmbeddings, e.getKey());
      writeTokenizer(e.getValue(), shape.vocab());
    }
    writeWeights(dirs, shape, tiedEmbeddings, new SplittableRandom(seed), progress);
  }

  private static void writeConfig(Path dir, Shape s, boolean tied, Format format) throws IOException {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("architectures", List.of("Qwen2ForCausalLM"));
    config.put("model_type", "qwen2");
    config.put("hidden_size", s.hidden());
    config.put("intermediate_size", s.intermediate());
    config.put("num_hidden_layers", s.layers());
    config.put("num_attention_heads", s.heads());
    config.put("num_key_value_heads", s.kvHeads());
    config.put("vocab_size", s.vocab());
    config.put("max_position_embeddings", s.maxPositions());
    config.put("rms_norm_eps", 1e-6);
    config.put("rope_theta", 1000000.0);
    config.put("hidden_act", "silu");
    config.put("bos_token_id", s.vocab() - 2);
    config.put("eos_token_id", s.vocab() - 1);
    config.put("tie_word_embeddings", tied);
    config.put("torch_dtype", format == Format.F32 ? "float32" : "bfloat16");
    JSON.writeValue(dir.resolve("config.json").toFile(), config);
  }

  /** Byte-level BPE with single-byte tokens and no merges: enough for Jlama to load. */
  private static void writeTokenizer(Path dir, int vocab) throws IOException {
    Map<String, Integer> tokens = new LinkedHashMap<>();
    for (int b = 0; b < Math.min(256, vocab); b++) {
      tokens.put("b" + b, b);
    }
    Map<String, Object> model = new LinkedHashMap<>();
    model.put("type", "BPE");
    model.put("vocab", tokens);
    model.put("merges", List.of());
    Map<String, Object> tokenizer = new LinkedHashMap<>();
    tokenizer.put("version", "1.0");
    tokenizer.put("added_tokens", List.of());
    tokenizer.put("model", model);
    JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer);
  }

  private static void writeWeights(
      Map<Format, Path> dirs, Shape s, boolean tied, SplittableRandom random, java.util.function.Consumer<String> progress)
      throws IOException {
    int headDim = s.hidden() / s.heads();
    int kvWidth = headDim * s.kvHeads();
    Map<String, int[]> shapes = new LinkedHashMap<>();
    shapes.put("model.embed_tokens.weight", new int[] {s.vocab(), s.hidden()});
    for (int i = 0; i < s.layers(); i++) {
      String p = "model.layers." + i + ".";
      shapes.put(p + "input_layernorm.weight", new int[] {s.hidden()});
      shapes.put(p + "post_attention_layernorm.weight", new int[] {s.hidden()});
      shapes.put(p + "self_attn.q_proj.weight", new int[] {s.hidden(), s.hidden()});
      shapes.put(p + "self_attn.q_proj.bias", new int[] {s.hidden()});
      shapes.put(p + "self_attn.k_proj.weight", new int[] {kvWidth, s.hidden()});
      shapes.put(p + "self_attn.k_proj.bias", new int[] {kvWidth});
      shapes.put(p + "self_attn.v_proj.weight", new int[] {kvWidth, s.hidden()});
      shapes.put(p + "self_attn.v_proj.bias", new int[] {kvWidth});
      shapes.put(p + "self_attn.o_proj.weight", new int[] {s.hidden(), s.hidden()});
      shapes.put(p + "mlp.gate_proj.weight", new int[] {s.intermediate(), s.hidden()});
      shapes.put(p + "mlp.up_proj.weight", new int[] {s.intermediate(), s.hidden()});
      shapes.put(p + "mlp.down_proj.weight", new int[] {s.hidden(), s.intermediate()});
    }
    shapes.put("model.norm.weight", new int[] {s.hidden()});
    if (!tied) {
      shapes.put("lm_head.weight", new int[] {s.vocab(), s.hidden()});
    }

    Map<Format, OutputStream> outs = new LinkedHashMap<>();
    try {
      for (var d : dirs.entrySet()) {
        OutputStream out =
            new java.io.BufferedOutputStream(Files.newOutputStream(d.getValue().resolve("model.safetensors")), 1 << 20);
        outs.put(d.getKey(), out);
        writeHeader(out, shapes, d.getKey());
      }
      long total = shapes.values().stream().mapToLong(RandomQwen2Checkpoint::count).sum();
      long done = 0;
      long nextReport = total / 10;
      int chunk = 1 << 20;
      float[] values = new float[chunk];
      ByteBuffer f32 = ByteBuffer.allocate(4 * chunk).order(ByteOrder.LITTLE_ENDIAN);
      ByteBuffer bf16 = ByteBuffer.allocate(2 * chunk).order(ByteOrder.LITTLE_ENDIAN);
      for (var e : shapes.entrySet()) {
        boolean norm = e.getKey().endsWith("layernorm.weight") || e.getKey().equals("model.norm.weight");
        // Scale like an initialised network so activations stay O(1) through the layers.
        double scale = e.getKey().endsWith("bias") ? 0.02 : 1.0 / Math.sqrt(e.getValue()[e.getValue().length - 1]);
        long n = count(e.getValue());
        for (long start = 0; start < n; start += chunk) {
          int len = (int) Math.min(chunk, n - start);
          for (int i = 0; i < len; i++) {
            values[i] = norm ? (float) (1.0 + 0.1 * random.nextGaussian()) : (float) (scale * random.nextGaussian());
          }
          for (var o : outs.entrySet()) {
            if (o.getKey() == Format.F32) {
              f32.clear();
              for (int i = 0; i < len; i++) {
                f32.putFloat(values[i]);
              }
              o.getValue().write(f32.array(), 0, 4 * len);
            } else {
              bf16.clear();
              for (int i = 0; i < len; i++) {
                bf16.putShort(toBf16(values[i]));
              }
              o.getValue().write(bf16.array(), 0, 2 * len);
            }
          }
          done += len;
          if (done >= nextReport && total > 50_000_000L) {
            progress.accept(String.format("  weights %d%% (%,d of %,d values)", 100 * done / total, done, total));
            nextReport += total / 10;
          }
        }
      }
    } finally {
      for (OutputStream out : outs.values()) {
        out.close();
      }
    }
  }

  private static void writeHeader(OutputStream out, Map<String, int[]> shapes, Format format) throws IOException {
    Map<String, Object> header = new LinkedHashMap<>();
    header.put("__metadata__", Map.of("format", "pt"));
    long offset = 0;
    for (var e : shapes.entrySet()) {
      long bytes = (long) format.bytes * count(e.getValue());
      header.put(e.getKey(), Map.of("dtype", format.name(), "shape", e.getValue(), "data_offsets", List.of(offset, offset + bytes)));
      offset += bytes;
    }
    byte[] headerJson = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    int padded = (headerJson.length + 7) / 8 * 8;
    out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
    out.write(headerJson);
    out.write(" ".repeat(padded - headerJson.length).getBytes(StandardCharsets.US_ASCII));
  }

  /** float32 -> bfloat16, round to nearest even (finite inputs). */
  static short toBf16(float v) {
    int bits = Float.floatToRawIntBits(v);
    int rounding = 0x7FFF + ((bits >>> 16) & 1);
    return (short) ((bits + rounding) >>> 16);
  }

  private static long count(int[] shape) {
    long n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }
}
