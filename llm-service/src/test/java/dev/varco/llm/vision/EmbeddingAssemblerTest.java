package dev.varco.llm.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import dev.varco.llm.model.ImageEmbedding;
import dev.varco.proto.vision.v1.EmbeddingDType;
import dev.varco.proto.vision.v1.EmbeddingHeader;
import dev.varco.proto.vision.v1.EncodeResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class EmbeddingAssemblerTest {
  static EncodeResponse header(int tokens, int hidden, EmbeddingDType dtype, long payload) {
    return EncodeResponse.newBuilder().setHeader(EmbeddingHeader.newBuilder()
        .setTokenCount(tokens).setHiddenSize(hidden).setDtype(dtype).setPayloadBytes(payload)).build();
  }

  static EncodeResponse chunk(byte[] bytes, int from, int to) {
    return EncodeResponse.newBuilder().setChunk(ByteString.copyFrom(bytes, from, to - from)).build();
  }

  @Test
  void float16ChunksSplitInsideValuesReassembleToRows() {
    float[] values = {1.0f, -2.5f, 0.333251953125f, 65504f, -0.0f, 1e-3f};
    ByteBuffer payload = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      payload.putShort(Float.floatToFloat16(v));
    }
    byte[] bytes = payload.array();
    EmbeddingAssembler assembler = new EmbeddingAssembler();
    assembler.accept(header(2, 3, EmbeddingDType.EMBEDDING_D_TYPE_FLOAT16, bytes.length));
    assembler.accept(chunk(bytes, 0, 3));
    assembler.accept(chunk(bytes, 3, 7));
    assembler.accept(chunk(bytes, 7, bytes.length));
    ImageEmbedding embedding = assembler.finish();
    assertEquals(2, embedding.tokenCount());
    assertEquals(3, embedding.hiddenSize());
    assertEquals(ImageEmbedding.Format.FLOAT16, embedding.format(), "kept as float16 until copied into a forward");
    float[] rows = rows(embedding);
    for (int i = 0; i < values.length; i++) {
      assertEquals(Float.float16ToFloat(Float.floatToFloat16(values[i])), rows[i], 0f);
    }
  }

  @Test
  void float32PayloadIsReadAsIs() {
    float[] values = {0.1f, 0.2f};
    ByteBuffer payload = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.1f).putFloat(0.2f);
    EmbeddingAssembler assembler = new EmbeddingAssembler();
    assembler.accept(header(1, 2, EmbeddingDType.EMBEDDING_D_TYPE_FLOAT32, 8));
    assembler.accept(chunk(payload.array(), 0, 8));
    assertArrayEquals(values, rows(assembler.finish()));
  }

  static float[] rows(ImageEmbedding embedding) {
    float[] rows = new float[embedding.tokenCount() * embedding.hiddenSize()];
    for (int r = 0; r < embedding.tokenCount(); r++) {
      embedding.copyRow(r, rows, r * embedding.hiddenSize());
    }
    return rows;
  }

  @Test
  void contractViolationsAreReportedNotCrashed() {
    EmbeddingAssembler noHeader = new EmbeddingAssembler();
    assertThrows(MalformedEmbeddingException.class, () -> noHeader.accept(chunk(new byte[2], 0, 2)));
    assertThrows(MalformedEmbeddingException.class,
        () -> new EmbeddingAssembler().accept(header(2, 3, EmbeddingDType.EMBEDDING_D_TYPE_FLOAT16, 11)));
    EmbeddingAssembler shortStream = new EmbeddingAssembler();
    shortStream.accept(header(1, 2, EmbeddingDType.EMBEDDING_D_TYPE_FLOAT16, 4));
    shortStream.accept(chunk(new byte[2], 0, 2));
    assertThrows(MalformedEmbeddingException.class, shortStream::finish);
    EmbeddingAssembler longStream = new EmbeddingAssembler();
    longStream.accept(header(1, 1, EmbeddingDType.EMBEDDING_D_TYPE_FLOAT16, 2));
    assertThrows(MalformedEmbeddingException.class, () -> longStream.accept(chunk(new byte[4], 0, 4)));
    assertThrows(MalformedEmbeddingException.class,
        () -> new EmbeddingAssembler().accept(header(1, 1, EmbeddingDType.EMBEDDING_D_TYPE_UNSPECIFIED, 2)));
  }
}
