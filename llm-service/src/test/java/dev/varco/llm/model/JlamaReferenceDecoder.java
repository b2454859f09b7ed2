package dev.varco.llm.model;

import com.github.tjake.jlama.math.VectorMath;
import com.github.tjake.jlama.model.AbstractModel;
import com.github.tjake.jlama.model.ModelSupport;
import com.github.tjake.jlama.model.functions.SampleOutput;
import com.github.tjake.jlama.safetensors.DType;
import com.github.tjake.jlama.safetensors.SafeTensorSupport;
import com.github.tjake.jlama.tensor.AbstractTensor;
import com.github.tjake.jlama.tensor.KvBufferCache;
import com.github.tjake.jlama.tensor.operations.TensorOperationsProvider;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Jlama 0.8.4's own Qwen2 forward, token by token, as an independent reference for this service's
 * transformer (Jlama's Qwen2 matched a numpy implementation with Hugging Face semantics to 8e-8).
 * Raw logits: its final norm and lm_head dot products without its softmax. Test code only.
 */
final class JlamaReferenceDecoder implements AutoCloseable {
  private final AbstractModel model;
  private final SampleOutput head;
  private final KvBufferCache caches;

  JlamaReferenceDecoder(Path llmDir, Path workDir) throws Exception {
    model = ModelSupport.loadModel(AbstractModel.InferenceType.FULL_GENERATION, llmDir.toFile(), workDir.toFile(),
        DType.F32, DType.F32, Optional.empty(), Optional.empty(), Optional.empty(), SafeTensorSupport::loadWeights);
    var field = AbstractModel.class.getDeclaredField("sampleOutput");
    field.setAccessible(true);
    head = (SampleOutput) field.get(model);
    caches = new KvBufferCache(model);
  }

  /** The next-token logits after each of {@code tokens}, fed one at a time from position 0. */
  float[][] logitsAfterEach(int[] tokens) {
    int hidden = model.getConfig().embeddingLength;
    int vocab = model.getConfig().vocabularySize;
    float[][] out = new float[tokens.length][];
    try (KvBufferCache.KvBuffer kv = caches.getEphemeralKvBuffer()) {
      for (int i = 0; i < tokens.length; i++) {
        try (AbstractTensor output = model.forward(tokens[i], i, kv, Optional.empty());
            AbstractTensor normed = head.getOutputLayerNorm().forward(output);
            AbstractTensor logits = model.makeDenseTensor(1, vocab)) {
          VectorMath.pchunk(0, vocab, (start, length) -> TensorOperationsProvider.get()
              .dotProductChunk(logits, normed, head.getOutputLogitsWeights(), 0, hidden, start, length));
          float[] row = new float[vocab];
          logits.getMemorySegment().asByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(0, row, 0, vocab);
          out[i] = row;
        }
      }
    }
    return out;
  }

  @Override
  public void close() {
    caches.close();
    model.close();
  }
}
