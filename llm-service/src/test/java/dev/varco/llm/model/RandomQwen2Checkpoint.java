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
    Files.createDirectories(dir);
    writeConfig(dir, shape);
    writeTokenizer(dir, shape.vocab());
    writeWeights(dir, shape, new SplittableRandom(seed));
    return dir;
  }

  private static void writeConfig(Path dir, Shape s) throws IOException {
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
    config.put("tie_word_embeddings", false);
    config.put("torch_dtype", "float32");
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

  private static void writeWeights(Path dir, Shape s, SplittableRandom random) throws IOException {
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
    shapes.put("lm_head.weight", new int[] {s.vocab(), s.hidden()});

    Map<String, Object> header = new LinkedHashMap<>();
    header.put("__metadata__", Map.of("format", "pt"));
    long offset = 0;
    for (var e : shapes.entrySet()) {
      long bytes = 4L * count(e.getValue());
      header.put(e.getKey(), Map.of("dtype", "F32", "shape", e.getValue(), "data_offsets", List.of(offset, offset + bytes)));
      offset += bytes;
    }
    byte[] headerJson = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
    int padded = (headerJson.length + 7) / 8 * 8;
    try (OutputStream out = Files.newOutputStream(dir.resolve("model.safetensors"))) {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
      out.write(headerJson);
      out.write(" ".repeat(padded - headerJson.length).getBytes(StandardCharsets.US_ASCII));
      for (var e : shapes.entrySet()) {
        boolean norm = e.getKey().endsWith("layernorm.weight") || e.getKey().equals("model.norm.weight");
        // Scale like an initialised network so activations stay O(1) through the layers.
        double scale = e.getKey().endsWith("bias") ? 0.02 : 1.0 / Math.sqrt(e.getValue()[e.getValue().length - 1]);
        int n = count(e.getValue());
        ByteBuffer values = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
          float v = norm ? (float) (1.0 + 0.1 * random.nextGaussian()) : (float) (scale * random.nextGaussian());
          values.putFloat(v);
        }
        out.write(values.array());
      }
    }
  }

  private static int count(int[] shape) {
    int n = 1;
    for (int d : shape) {
      n *= d;
    }
    return n;
  }
}
