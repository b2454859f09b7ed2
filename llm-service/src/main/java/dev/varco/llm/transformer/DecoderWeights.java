package dev.varco.llm.transformer;

import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.Q4ByteBufferTensor;
import com.github.tjake.jlama.tensor.Q8ByteBufferTensor;
import dev.varco.llm.kernels.Bf16Matrix;
import dev.varco.llm.kernels.F32Matrix;
import dev.varco.llm.kernels.Q4Matrix;
import dev.varco.llm.kernels.Q8Matrix;
import dev.varco.llm.kernels.WeightMatrix;
import dev.varco.model.checkpoint.Qwen2TextConfig;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A Qwen2 decoder's weights from a Hugging Face folder ({@code config.json} + safetensors in F32,
 * BF16, or Jlama's Q8/Q4 blocks), read through Jlama's safetensors loader: matrices stay where Jlama
 * maps them, in their stored format, and are only viewed as {@link WeightMatrix}; vectors (norms,
 * biases) are copied to float arrays. Geometry comes from the folder's {@code config.json}.
 */
public final class DecoderWeights implements AutoCloseable {
  /** One decoder layer. */
  public record Layer(
      float[] inputNorm,
      WeightMatrix q,
      WeightMatrix k,
      WeightMatrix v,
      float[] qBias,
      float[] kBias,
      float[] vBias,
      WeightMatrix o,
      float[] postAttentionNorm,
      WeightMatrix gate,
      WeightMatrix up,
      WeightMatrix down) {}

  private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final Qwen2TextConfig config;
  private final WeightLoader loader;
  private final AbstractTensor embeddings;
  private final Layer[] layers;
  private final float[] finalNorm;
  private final WeightMatrix outputHead;
  /** Attention heads, K/V heads and MLP columns held here: the whole layer, or a shard's slice. */
  private final int heads;
  private final int kvHeads;
  private final int intermediateSize;

  private DecoderWeights(Qwen2TextConfig config, WeightLoader loader) {
    this.config = config;
    this.loader = loader;
    this.heads = config.numAttentionHeads();
    this.kvHeads = config.numKeyValueHeads();
    this.intermediateSize = config.intermediateSize();
    this.embeddings = loader.load("model.embed_tokens.weight");
    this.layers = new Layer[config.numHiddenLayers()];
    for (int i = 0; i < layers.length; i++) {
      String base = "model.layers." + i + ".";
      layers[i] = new Layer(
          vector(base + "input_layernorm.weight"),
          matrix(base + "self_attn.q_proj.weight"),
          matrix(base + "self_attn.k_proj.weight"),
          matrix(base + "self_attn.v_proj.weight"),
          vector(base + "self_attn.q_proj.bias"),
          vector(base + "self_attn.k_proj.bias"),
          vector(base + "self_attn.v_proj.bias"),
          matrix(base + "self_attn.o_proj.weight"),
          vector(base + "post_attention_layernorm.weight"),
          matrix(base + "mlp.gate_proj.weight"),
          matrix(base + "mlp.up_proj.weight"),
          matrix(base + "mlp.down_proj.weight"));
    }
    this.finalNorm = vector("model.norm.weight");
    this.outputHead = config.tieWordEmbeddings() || !loader.isWeightPresent("lm_head.weight")
        ? view("model.embed_tokens.weight", embeddings)
        : matrix("lm_head.weight");
  }

  private DecoderWeights(DecoderWeights full, int heads, int kvHeads, int intermediateSize, Layer[] layers) {
    this.config = full.config;
    this.loader = full.loader;
    this.embeddings = full.embeddings;
    this.finalNorm = full.finalNorm;
    this.outputHead = full.outputHead;
    this.heads = heads;
    this.kvHeads = kvHeads;
    this.intermediateSize = intermediateSize;
    this.layers = layers;
  }

  /**
   * A tensor-parallel shard's weights: {@code layers} hold {@code heads} attention heads with
   * their {@code kvHeads} K/V heads and {@code intermediateSize} MLP columns of every layer; the
   * rest (config, embeddings, norms, lm_head, the open files) is this one's. Closing either
   * closes the files.
   */
  public DecoderWeights slice(int heads, int kvHeads, int intermediateSize, Layer[] layers) {
    if (layers.length != this.layers.length) {
      throw new IllegalArgumentException("a slice has " + this.layers.length + " layers, got " + layers.length);
    }
    return new DecoderWeights(this, heads, kvHeads, intermediateSize, layers.clone());
  }

  /** Opens the safetensors of {@code llmDir} as described by its {@code config.json}. */
  public static DecoderWeights open(Path llmDir, Qwen2TextConfig config) {
    return new DecoderWeights(config, SafeTensorSupport.loadWeights(llmDir.toFile()));
  }

  public Qwen2TextConfig config() {
    return config;
  }

  public Layer layer(int index) {
    return layers[index];
  }

  public int heads() {
    return heads;
  }

  public int kvHeads() {
    return kvHeads;
  }

  public int intermediateSize() {
    return intermediateSize;
  }

  public int layerCount() {
    return layers.length;
  }

  public float[] finalNorm() {
    return finalNorm;
  }

  public WeightMatrix outputHead() {
    return outputHead;
  }

  /** The token embedding table as Jlama loaded it (F32, BF16, or another of its types). */
  public AbstractTensor embeddings() {
    return embeddings;
  }

  private WeightMatrix matrix(String name) {
    return view(name, loader.load(name));
  }

  private static WeightMatrix view(String name, AbstractTensor tensor) {
    if (tensor.dims() != 2) {
      throw new IllegalArgumentException(name + " should be a matrix, it has " + tensor.dims() + " dimensions");
    }
    int rows = tensor.shape().dim(0);
    int cols = tensor.shape().dim(1);
    MemorySegment data = tensor.getMemorySegment();
    return switch (tensor.dType()) {
      case F32 -> new F32Matrix(data, rows, cols);
      case BF16 -> new Bf16Matrix(data, rows, cols);
      case I8 -> new Q8Matrix(data, ((Q8ByteBufferTensor) tensor).getBlockF().getMemorySegment(), rows, cols);
      case Q4 -> new Q4Matrix(data, ((Q4ByteBufferTensor) tensor).getBlockF().getMemorySegment(), rows, cols);
      default -> throw new IllegalArgumentException(name + " is stored as " + tensor.dType()
          + "; the decoder reads F32, BF16, Q8 (I8) and Q4 matrices");
    };
  }

  private float[] vector(String name) {
    AbstractTensor tensor = loader.load(name);
    int size = Math.toIntExact(tensor.size());
    float[] values = new float[size];
    MemorySegment data = tensor.getMemorySegment();
    switch (tensor.dType()) {
      case F32 -> MemorySegment.copy(data, FLOAT_LE, 0, values, 0, size);
      case BF16 -> {
        for (int i = 0; i < size; i++) {
          values[i] = Float.intBitsToFloat(data.getAtIndex(SHORT_LE, i) << 16);
        }
      }
      default -> throw new IllegalArgumentException(
          name + " is stored as " + tensor.dType() + "; norms and biases must be F32 or BF16");
    }
    return values;
  }

  /** Unmaps the weight files. */
  @Override
  public void close() {
    try {
      loader.close();
    } catch (Exception e) {
      throw new IllegalStateException("closing the weight files failed", e);
    }
  }
}
