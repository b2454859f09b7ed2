package dev.varco.llm.model;

import com.github.tjake.jlama.model.DistributedContext;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.safetensors.TensorInfo;
import com.github.tjake.jlama.safetensors.WeightLoader;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.BFloat16BufferTensor;
import com.github.tjake.jlama.tensor.Q8ByteBufferTensor;
import dev.varco.model.safetensors.HalfFloats;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Map;

/**
 * The weights of a model-tools {@code llm/} folder as Jlama 0.8.4 should see them, whatever
 * {@code --decoder-dtype} wrote (F32, BF16, Jlama Q8 or Q4 blocks).
 *
 * <ul>
 *   <li>{@link #getModelDType()} is not the majority dtype Jlama would pick, because Jlama
 *       "quantizes" every layer tensor to the model dtype at load (it never widens one) and picks
 *       the matmul activation type from it. For F32 and BF16 folders it is the embeddings' dtype,
 *       as before: F32 weights run F32 x F32; BF16 weights run with activations rounded to BF16
 *       (Jlama's own choice for a BF16 model, {@code AbstractModel}'s "Q8BF16" hack). For Q4 folders
 *       it is F32: the Q4 matrices stay Q4, the bf16 embeddings, lm_head, norms and biases stay as
 *       stored (with Q4 as model dtype Jlama would turn norms and biases into 4-bit blocks), and
 *       activations stay F32 against the Q4 blocks (F32 x Q4 is a kernel; BF16 x Q4 is not, and
 *       I8 x Q4 would also quantize the activations).
 *   <li>Q8 ("I8") matrices are dequantized to BF16 as they load, and the model then runs as a BF16
 *       one: Jlama 0.8.4 has no kernel that multiplies I8 weights (native and Panama gemm take F32,
 *       BF16 or Q4 weights only; I8 is only an activation type against Q4), so a Q8 folder saves
 *       disk and download, not memory.
 * </ul>
 */
final class ConvertedWeights implements WeightLoader {
  private final WeightLoader delegate;
  private final DType modelDType;

  private ConvertedWeights(WeightLoader delegate, DType modelDType) {
    this.delegate = delegate;
    this.modelDType = modelDType;
  }

  /** Jlama's {@code weightLoaderSupplier} for {@code ModelSupport.loadModel}. */
  static WeightLoader open(File llmDir) {
    WeightLoader weights = SafeTensorSupport.loadWeights(llmDir);
    boolean q4 = weights.tensorInfoMap().values().stream().anyMatch(info -> info.dType == DType.Q4);
    TensorInfo embeddings = weights.tensorInfoMap().get("model.embed_tokens.weight");
    DType floatType = embeddings != null ? embeddings.dType : weights.getModelDType();
    return new ConvertedWeights(weights, q4 ? DType.F32 : floatType);
  }

  @Override
  public Map<String, String> metadata() {
    return delegate.metadata();
  }

  @Override
  public Map<String, TensorInfo> tensorInfoMap() {
    return delegate.tensorInfoMap();
  }

  @Override
  public AbstractTensor load(String name, DistributedContext dctx, boolean sparseRows, boolean sparseColumns) {
    AbstractTensor tensor = delegate.load(name, dctx, sparseRows, sparseColumns);
    if (tensor.dType() != DType.I8) {
      return tensor;
    }
    return dequantize((Q8ByteBufferTensor) tensor);
  }

  /**
   * value = q * scale of its block of 32, rounded to bf16 (nearest, ties to even), into a tensor of
   * the same shape. Jlama loads layer matrices with a (possibly sparse, here full-range) shard
   * shape whose values lie contiguously, as do their scales; the copy keeps that shape and layout.
   */
  static BFloat16BufferTensor dequantize(Q8ByteBufferTensor q8) {
    BFloat16BufferTensor out = new BFloat16BufferTensor(q8.shape());
    ByteBuffer values = q8.getMemorySegment().asByteBuffer();
    FloatBuffer scales = q8.getBlockF().getMemorySegment().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    ShortBuffer target = out.getMemorySegment().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asShortBuffer();
    int count = Math.toIntExact(q8.size());
    for (int i = 0; i < count; i++) {
      float scale = scales.get(i / Q8ByteBufferTensor.BLOCK_SIZE);
      target.put(i, HalfFloats.floatToBf16(values.get(i) * scale));
    }
    return out;
  }

  @Override
  public DType getModelDType() {
    return modelDType;
  }

  @Override
  public void close() throws Exception {
    delegate.close();
  }
}
