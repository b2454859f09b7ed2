package dev.varco.llm.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.tensor.AbstractTensor;
import dev.varco.llm.kernels.ParallelLoop;
import dev.varco.llm.transformer.DecoderWeights;
import dev.varco.llm.transformer.KvCache;
import dev.varco.llm.transformer.PartialSums;
import dev.varco.llm.transformer.SequenceRows;
import dev.varco.llm.transformer.TransformerForward;
import dev.varco.model.checkpoint.Qwen2TextConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * The Qwen2 decoder, reduced to what this service needs: look up token embedding rows, push rows
 * of one or many sequences through the transformer, and get the raw next-token logits (final norm
 * + lm_head, no softmax: penalties and logprobs need logits).
 *
 * <p>Weights are read by Jlama's safetensors loader (F32, BF16, Jlama Q8/Q4 blocks) and multiplied
 * by this service's own kernels ({@link TransformerForward}); geometry comes from the folder's
 * {@code config.json}. Not thread-safe: exactly one thread (the engine's model thread) runs
 * forward passes.
 */
public final class DecoderModel implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final TransformerForward forward;
  private final ParallelLoop loop;
  private final AbstractTensor tokenEmbeddings;
  /** The embedding table as an F32 or BF16 view (the other null), or both null for other types. */
  private final FloatBuffer embeddingsF32;
  private final ShortBuffer embeddingsBf16;
  private final int hiddenSize;
  private final int vocabSize;
  private final int prefillChunkRows;
  private final KvFootprint kvFootprint;
  private final DecoderSharding sharding;

  private DecoderModel(TransformerForward forward, ParallelLoop loop, AbstractTensor tokenEmbeddings, int prefillChunkRows,
      DecoderSharding sharding) {
    this.forward = forward;
    this.sharding = sharding;
    this.loop = loop;
    this.hiddenSize = forward.hiddenSize();
    this.vocabSize = forward.vocabSize();
    this.tokenEmbeddings = tokenEmbeddings;
    ByteBuffer table = tokenEmbeddings.dType() == DType.F32 || tokenEmbeddings.dType() == DType.BF16
        ? tokenEmbeddings.getMemorySegment().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN)
        : null;
    this.embeddingsF32 = tokenEmbeddings.dType() == DType.F32 ? table.asFloatBuffer() : null;
    this.embeddingsBf16 = tokenEmbeddings.dType() == DType.BF16 ? table.asShortBuffer() : null;
    this.prefillChunkRows = prefillChunkRows;
    this.kvFootprint = new KvFootprint(forward::kvBytes);
  }

  /**
   * Loads a Hugging Face Qwen2 directory, with the decoder in any of model-tools' weight types.
   *
   * @param prefillChunkRows prompt rows per forward pass during prefill (1 = token by token)
   */
  public static DecoderModel load(Path llmDir, int prefillChunkRows) {
    return load(llmDir, prefillChunkRows, null);
  }

  /**
   * Loads rank 0 of a tensor-parallel decoder: {@code sharding} (null: the whole decoder here)
   * picks this rank's slice of the weights and adds up the ranks' partial sums; closed with the
   * model, or here when loading fails.
   */
  public static DecoderModel load(Path llmDir, int prefillChunkRows, DecoderSharding sharding) {
    try {
      return loadModel(llmDir, prefillChunkRows, sharding);
    } catch (RuntimeException | Error e) {
      if (sharding != null) {
        sharding.close();
      }
      throw e;
    }
  }

  private static DecoderModel loadModel(Path llmDir, int prefillChunkRows, DecoderSharding sharding) {
    if (prefillChunkRows < 1) {
      throw new IllegalArgumentException("prefillChunkRows must be >= 1, got " + prefillChunkRows);
    }
    Qwen2TextConfig config;
    try {
      config = Qwen2TextConfig.parse(JSON.readTree(llmDir.resolve("config.json").toFile()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + llmDir.resolve("config.json"), e);
    }
    DecoderWeights weights = DecoderWeights.open(llmDir, config);
    if (sharding != null) {
      try {
        weights = sharding.slice(weights);
      } catch (RuntimeException | Error e) {
        weights.close();
        throw e;
      }
    }
    ParallelLoop loop = new ParallelLoop(configuredThreads());
    TransformerForward forward =
        new TransformerForward(weights, loop, sharding == null ? PartialSums.NONE : sharding.partialSums());
    return new DecoderModel(forward, loop, weights.embeddings(), prefillChunkRows, sharding);
  }

  /**
   * Kernel threads: {@code varco.llm.threads} (system property, or the {@code VARCO_LLM_THREADS}
   * environment variable), default all available processors.
   */
  public static int configuredThreads() {
    String configured = System.getProperty("varco.llm.threads", System.getenv("VARCO_LLM_THREADS"));
    int threads = configured == null || configured.isBlank()
        ? Runtime.getRuntime().availableProcessors()
        : Integer.parseInt(configured.trim());
    if (threads < 1) {
      throw new IllegalArgumentException("varco.llm.threads must be >= 1, got " + threads);
    }
    return threads;
  }

  public int hiddenSize() {
    return hiddenSize;
  }

  public int vocabSize() {
    return vocabSize;
  }

  /** Positions 0 .. safePositions-1 can be computed; prompt + output must fit below it. */
  public int safePositions() {
    return forward.contextLength();
  }

  public int prefillChunkRows() {
    return prefillChunkRows;
  }

  /** Copies row {@code tokenId} of {@code model.embed_tokens.weight} into {@code dest}. */
  public void copyTokenEmbedding(int tokenId, float[] dest, int destOffset) {
    if (tokenId < 0 || tokenId >= vocabSize) {
      throw new IllegalArgumentException("token id " + tokenId + " is outside the vocabulary of " + vocabSize);
    }
    int element = tokenEmbeddings.getMemorySegmentOffset(tokenEmbeddings.getOffset(tokenId, 0)) / tokenEmbeddings.dType().size();
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

  /** A fresh, empty KV cache; close it to give its memory back. */
  public KvCache newKvCache() {
    return forward.newKvCache();
  }

  /**
   * Runs rows {@code [from, to)} of {@code prompt} at positions {@code startPos + (row - from)}, in
   * forward passes of at most {@link #prefillChunkRows} rows, and returns the next-token logits
   * after the last row. {@code from < to}.
   */
  public float[] prefill(PromptRows prompt, int from, int to, int startPos, KvCache kv) {
    if (from >= to) {
      throw new IllegalArgumentException("empty prefill range " + from + ".." + to);
    }
    float[] logits = null;
    float[] chunk = new float[Math.min(prefillChunkRows, to - from) * hiddenSize];
    for (int chunkStart = from; chunkStart < to; chunkStart += prefillChunkRows) {
      int rows = Math.min(prefillChunkRows, to - chunkStart);
      prompt.copyRows(chunkStart, rows, this, chunk);
      boolean last = chunkStart + rows == to;
      float[][] out = forward.forward(List.of(new SequenceRows(kv, startPos + (chunkStart - from), rows, last)), chunk);
      if (last) {
        logits = out[0];
      }
    }
    return logits;
  }

  /** Runs one token at {@code position} and returns the next-token logits. */
  public float[] decode(int tokenId, int position, KvCache kv) {
    float[] row = new float[hiddenSize];
    copyTokenEmbedding(tokenId, row, 0);
    return forward.forward(List.of(new SequenceRows(kv, position, 1, true)), row)[0];
  }

  /**
   * One forward pass over the rows of several sequences ({@code rows} holds them in order,
   * {@link #hiddenSize()} floats each; overwritten): each weight matrix is read once for all of
   * them. Returns the logits of the sequences that want them, in order.
   */
  public float[][] forward(List<SequenceRows> sequences, float[] rows) {
    return forward.forward(sequences, rows);
  }

  /**
   * Throws {@link ShardUnavailableException} when this decoder is split over shards and one is
   * known to be lost; nothing for a decoder held whole.
   */
  public void checkShards() {
    if (sharding != null) {
      sharding.checkShards();
    }
  }

  /** Whether the decoder is split over tensor-parallel shards. */
  public boolean isSharded() {
    return sharding != null;
  }

  @Override
  public void close() {
    loop.close();
    forward.close();
    if (sharding != null) {
      sharding.close();
    }
  }
}
