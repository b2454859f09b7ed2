package dev.varco.llm.model;

import com.github.tjake.jlama.math.VectorMath;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.model.functions.SampleOutput;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import com.github.tjake.jlama.util.PhysicalCoreExecutor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The Qwen2 decoder loaded by Jlama, reduced to the three operations this service needs: look up
 * token embedding rows, push embedding rows through the transformer (prefill), and push one token
 * (decode). Both return the raw next-token logits for the last position (final norm + lm_head,
 * no softmax): penalties and logprobs need logits, and Jlama's {@code getLogits} softmaxes them.
 *
 * <p>Not thread-safe: Jlama shares scratch buffers inside one model instance, so exactly one
 * thread may call {@link #prefill} or {@link #decode} at a time (the engine's model thread).
 */
public final class DecoderModel implements AutoCloseable {
  private final AbstractModel model;
  private final SampleOutput outputHead;
  private final KvBufferCache kvCaches;
  private final AbstractTensor tokenEmbeddings;
  /** The embedding table as an F32 or BF16 view (the other null), or both null for other types. */
  private final FloatBuffer embeddingsF32;
  private final ShortBuffer embeddingsBf16;
  private final int hiddenSize;
  private final int vocabSize;
  private final int safePositions;
  private final int prefillChunkRows;
  private final KvFootprint kvFootprint;

  private DecoderModel(AbstractModel model, int prefillChunkRows) {
    this.model = model;
    this.outputHead = outputHead(model);
    this.kvCaches = new KvBufferCache(model);
    this.hiddenSize = model.getConfig().embeddingLength;
    this.vocabSize = model.getConfig().vocabularySize;
    // Jlama's RoPE table overflows at max_position_embeddings - 2*(kv_heads-1) (see
    // notes/quarkus-jlama.md): positions at or above it throw, so the usable context ends there.
    var config = model.getConfig();
    this.safePositions = config.contextLength - 2 * (config.numberOfKeyValueHeads - 1);
    this.tokenEmbeddings = model.getWeights().load("model.embed_tokens.weight");
    ByteBuffer table = tokenEmbeddings.dType() == DType.F32 || tokenEmbeddings.dType() == DType.BF16
        ? bytes(tokenEmbeddings)
        : null;
    this.embeddingsF32 = tokenEmbeddings.dType() == DType.F32 ? table.asFloatBuffer() : null;
    this.embeddingsBf16 = tokenEmbeddings.dType() == DType.BF16 ? table.asShortBuffer() : null;
    this.prefillChunkRows = prefillChunkRows;
    this.kvFootprint = new KvFootprint(
        config.dctx().numberOfLayers, config.dctx().kvSegmentLength, model.getWorkingDType().size(), config.contextLength);
  }

  /**
   * Loads a Hugging Face Qwen2 directory, with the decoder in any of model-tools' weight types
   * (F32, BF16, Jlama Q8 or Q4 blocks; see {@link ConvertedWeights}).
   *
   * @param workDir a directory this service owns; Jlama puts its working files there
   * @param prefillChunkRows rows per forward call during prefill (1 = token by token)
   */
  public static DecoderModel load(Path llmDir, Path workDir, int prefillChunkRows) {
    if (prefillChunkRows < 1) {
      throw new IllegalArgumentException("prefillChunkRows must be >= 1, got " + prefillChunkRows);
    }
    // F32 working memory for every weight type. ConvertedWeights keeps Jlama from re-quantizing
    // anything at load and picks the activation type per weight type (F32 for F32 and Q4 weights;
    // Jlama's own BF16 for BF16 weights, as before; Q8 arrives widened to BF16).
    useAllCoresForJlama();
    AbstractModel model =
        ModelSupport.loadModel(AbstractModel.InferenceType.FULL_GENERATION, llmDir.toFile(), workDir.toFile(),
            DType.F32, DType.F32, Optional.empty(), Optional.empty(), Optional.empty(), ConvertedWeights::open);
    return new DecoderModel(model, prefillChunkRows);
  }

  /**
   * Jlama's kernel pool defaults to availableProcessors()/2 threads (it assumes two hardware
   * threads per core): 1 thread on a 2-vCPU machine, where decoding is memory-bound and a second
   * thread reads weights in parallel. Size it to {@code varco.llm.threads} (system property, or
   * the {@code VARCO_LLM_THREADS} environment variable), default all available processors. The
   * pool is per process and fixed once Jlama first uses it; a pool sized earlier (by another
   * model, or by a caller of {@code PhysicalCoreExecutor.overrideThreadCount}) is kept.
   */
  static void useAllCoresForJlama() {
    String configured = System.getProperty("varco.llm.threads", System.getenv("VARCO_LLM_THREADS"));
    int threads = configured == null || configured.isBlank()
        ? Runtime.getRuntime().availableProcessors()
        : Integer.parseInt(configured.trim());
    if (threads < 1) {
      throw new IllegalArgumentException("varco.llm.threads must be >= 1, got " + threads);
    }
    try {
      PhysicalCoreExecutor.overrideThreadCount(threads);
    } catch (IllegalStateException alreadyStarted) {
      // sized before us: keep it
    }
  }

  public int hiddenSize() {
    return hiddenSize;
  }

  public int vocabSize() {
    return vocabSize;
  }

  /** Positions 0 .. safePositions-1 can be computed; prompt + output must fit below it. */
  public int safePositions() {
    return safePositions;
  }

  public int prefillChunkRows() {
    return prefillChunkRows;
  }

  /** Copies row {@code tokenId} of {@code model.embed_tokens.weight} into {@code dest}. */
  public void copyTokenEmbedding(int tokenId, float[] dest, int destOffset) {
    if (tokenId < 0 || tokenId >= vocabSize) {
      throw new IllegalArgumentException("token id " + tokenId + " is outside the vocabulary of " + vocabSize);
    }
    int element = elementIndex(tokenEmbeddings, tokenId);
    // Bulk reads of the row from the mapped table (absolute, so no shared position): element-wise
    // get() costs a bounds-checked virtual call per value.
    if (embeddingsF32 != null) {
      embeddingsF32.get(element, dest, destOffset, hiddenSize);
    } else if (embeddingsBf16 != null) {
      for (int col = 0; col < hiddenSize; col++) {
        dest[destOffset + col] = Float.intBitsToFloat(embeddingsBf16.get(element + col) << 16);
      }
    } else {
      for (int col = 0; col < hiddenSize; col++) {
        dest[destOffset + col] = tokenEmbeddings.get(tokenId, col);
      }
    }
  }

  /** The memory a KV cache from {@link #newKvCache()} holds per number of positions. */
  public KvFootprint kvFootprint() {
    return kvFootprint;
  }

  /** Bytes of one stored key or value element (Jlama's working dtype). */
  public int kvElementBytes() {
    return model.getWorkingDType().size();
  }

  /** A fresh, empty KV cache; close it to give its memory back. */
  public KvBufferCache.KvBuffer newKvCache() {
    return kvCaches.getEphemeralKvBuffer();
  }

  /**
   * Runs rows {@code [from, to)} of {@code prompt} at positions {@code startPos + (row - from)}, in
   * chunks of {@link #prefillChunkRows}, and returns the next-token logits after the last
   * row. {@code from < to}.
   */
  public float[] prefill(PromptRows prompt, int from, int to, int startPos, KvBufferCache.KvBuffer kv) {
    if (from >= to) {
      throw new IllegalArgumentException("empty prefill range " + from + ".." + to);
    }
    float[] logits = null;
    float[] chunk = new float[Math.min(prefillChunkRows, to - from) * hiddenSize];
    for (int chunkStart = from; chunkStart < to; chunkStart += prefillChunkRows) {
      int rows = Math.min(prefillChunkRows, to - chunkStart);
      prompt.copyRows(chunkStart, rows, this, chunk);
      AbstractTensor input = model.makeDenseTensor(rows, hiddenSize);
      if (input.dType() == DType.F32) {
        floats(input).put(elementIndex(input, 0), chunk, 0, rows * hiddenSize);
      } else {
        for (int r = 0; r < rows; r++) {
          for (int c = 0; c < hiddenSize; c++) {
            input.set(chunk[r * hiddenSize + c], r, c);
          }
        }
      }
      // forward() closes its input tensor itself.
      AbstractTensor output = model.forward(input, startPos + (chunkStart - from), kv, Optional.empty());
      try {
        if (chunkStart + rows == to) {
          logits = rawLogits(output.slice(rows - 1));
        }
      } finally {
        output.close();
      }
    }
    return logits;
  }

  /** Runs one token at {@code position} and returns the next-token logits. */
  public float[] decode(int tokenId, int position, KvBufferCache.KvBuffer kv) {
    AbstractTensor output = model.forward(tokenId, position, kv, Optional.empty());
    try {
      return rawLogits(output);
    } finally {
      output.close();
    }
  }

  /**
   * Jlama 0.8.4's {@code getLogits} without its final softmax: the same final norm and the same
   * chunked lm_head dot products, so argmax is unchanged and the numbers are the logits themselves.
   */
  private float[] rawLogits(AbstractTensor hidden) {
    int vocab = vocabSize;
    try (AbstractTensor normed = outputHead.getOutputLayerNorm().forward(hidden);
        AbstractTensor logits = model.makeDenseTensor(1, vocab)) {
      AbstractTensor head = outputHead.getOutputLogitsWeights();
      VectorMath.pchunk(0, vocab, (start, length) ->
          TensorOperationsProvider.get().dotProductChunk(logits, normed, head, 0, hiddenSize, start, length));
      float[] out = new float[vocab];
      floats(logits).get(elementIndex(logits, 0), out, 0, vocab);
      return out;
    }
  }

  /** A tensor's storage from its element 0, little-endian (Jlama's layout). */
  private static ByteBuffer bytes(AbstractTensor tensor) {
    return tensor.getMemorySegment().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Index of element (row, 0) in the tensor's storage viewed as its element type. */
  private static int elementIndex(AbstractTensor tensor, int row) {
    return tensor.getMemorySegmentOffset(tensor.getOffset(row, 0)) / tensor.dType().size();
  }

  /** A float view of an F32 tensor's storage. */
  private static FloatBuffer floats(AbstractTensor tensor) {
    return bytes(tensor).asFloatBuffer();
  }

  /** Jlama keeps the final norm and lm_head in a protected field with no accessor. */
  private static SampleOutput outputHead(AbstractModel model) {
    try {
      var field = AbstractModel.class.getDeclaredField("sampleOutput");
      field.setAccessible(true);
      return (SampleOutput) field.get(model);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("this Jlama version does not expose its output head as 0.8.4 does", e);
    }
  }

  @Override
  public void close() {
    kvCaches.close();
    model.close();
  }
}
