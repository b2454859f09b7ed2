package dev.varco.llm.vision;

import dev.varco.llm.model.ImageEmbedding;
import dev.varco.proto.vision.v1.EmbeddingHeader;
import dev.varco.proto.vision.v1.EncodeResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Rebuilds the rows of an Encode stream: one {@link EmbeddingHeader}, then chunks that together
 * hold token_count x hidden_size little-endian values of the header's dtype (float16 or float32).
 * Chunk boundaries may fall anywhere, even inside a value. The payload is kept as received (no
 * widening to float here).
 */
public final class EmbeddingAssembler {
  private EmbeddingHeader header;
  private ImageEmbedding.Format format;
  private ByteBuffer payload;

  public void accept(EncodeResponse response) {
    switch (response.getPartCase()) {
      case HEADER -> start(response.getHeader());
      case CHUNK -> append(response.getChunk().asReadOnlyByteBuffer());
      default -> throw new MalformedEmbeddingException("an Encode response carried neither header nor chunk");
    }
  }

  private void start(EmbeddingHeader h) {
    if (header != null) {
      throw new MalformedEmbeddingException("a second header arrived in one Encode stream");
    }
    format =
        switch (h.getDtype()) {
          case EMBEDDING_D_TYPE_FLOAT16 -> ImageEmbedding.Format.FLOAT16;
          case EMBEDDING_D_TYPE_FLOAT32 -> ImageEmbedding.Format.FLOAT32;
          default -> throw new MalformedEmbeddingException("unsupported embedding dtype " + h.getDtype());
        };
    long expected = (long) h.getTokenCount() * h.getHiddenSize() * format.bytesPerValue();
    if (h.getTokenCount() == 0 || h.getHiddenSize() == 0) {
      throw new MalformedEmbeddingException("empty embedding: " + h.getTokenCount() + "x" + h.getHiddenSize());
    }
    if (h.getPayloadBytes() != expected) {
      throw new MalformedEmbeddingException(
          "header announces " + h.getPayloadBytes() + " payload bytes, " + h.getTokenCount() + "x"
              + h.getHiddenSize() + " " + h.getDtype() + " needs " + expected);
    }
    if (expected > Integer.MAX_VALUE - 8) {
      throw new MalformedEmbeddingException("embedding of " + expected + " bytes is too large");
    }
    header = h;
    payload = ByteBuffer.allocate((int) expected).order(ByteOrder.LITTLE_ENDIAN);
  }

  private void append(ByteBuffer chunk) {
    if (header == null) {
      throw new MalformedEmbeddingException("a chunk arrived before the header");
    }
    if (chunk.remaining() > payload.remaining()) {
      throw new MalformedEmbeddingException("more payload than the header announced (" + header.getPayloadBytes() + " bytes)");
    }
    payload.put(chunk);
  }

  /** The embedding, once the whole payload has arrived. */
  public ImageEmbedding finish() {
    if (header == null) {
      throw new MalformedEmbeddingException("the Encode stream ended without a header");
    }
    if (payload.hasRemaining()) {
      throw new MalformedEmbeddingException(
          "the Encode stream ended after " + payload.position() + " of " + header.getPayloadBytes() + " bytes");
    }
    return new ImageEmbedding(header.getTokenCount(), header.getHiddenSize(), format, payload.flip());
  }
}
