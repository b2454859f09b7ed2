package dev.varco.llm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link DecoderModel#copyTokenEmbedding} reads rows in bulk from Jlama's mapped table: checked
 * against the bytes of {@code model.embed_tokens.weight} (the first tensor in the file) for F32
 * and BF16 checkpoints, first, middle and last rows.
 */
class TokenEmbeddingCopyTest {
  static final RandomQwen2Checkpoint.Shape SHAPE = new RandomQwen2Checkpoint.Shape(64, 128, 1, 4, 2, 300, 256);

  @Test
  void rowsMatchTheCheckpointBytes() throws Exception {
    Path root = Path.of("target", "embedding-copy");
    Path f32 = root.resolve("f32");
    Path bf16 = root.resolve("bf16");
    RandomQwen2Checkpoint.writeAll(
        Map.of(RandomQwen2Checkpoint.Format.F32, f32, RandomQwen2Checkpoint.Format.BF16, bf16), SHAPE, true, 5, s -> {});
    for (var format : RandomQwen2Checkpoint.Format.values()) {
      Path dir = format == RandomQwen2Checkpoint.Format.F32 ? f32 : bf16;
      try (DecoderModel model = DecoderModel.load(dir, 4)) {
        assertEquals(SHAPE.hidden(), model.hiddenSize());
        for (int token : new int[] {0, 1, 150, SHAPE.vocab() - 1}) {
          float[] actual = new float[SHAPE.hidden() + 3];
          model.copyTokenEmbedding(token, actual, 3);
          float[] expected = new float[SHAPE.hidden() + 3];
          System.arraycopy(rowFromFile(dir, format, token), 0, expected, 3, SHAPE.hidden());
          assertArrayEquals(expected, actual, format + " row " + token);
        }
      }
    }
  }

  /** embed_tokens is the first tensor: its data starts right after the header. */
  private static float[] rowFromFile(Path dir, RandomQwen2Checkpoint.Format format, int token) throws Exception {
    try (FileChannel ch = FileChannel.open(dir.resolve("model.safetensors"), StandardOpenOption.READ)) {
      ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(len, 0);
      long dataStart = 8 + len.flip().getLong();
      int bytes = format == RandomQwen2Checkpoint.Format.F32 ? 4 : 2;
      ByteBuffer row = ByteBuffer.allocate(bytes * SHAPE.hidden()).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(row, dataStart + (long) token * SHAPE.hidden() * bytes);
      row.flip();
      float[] out = new float[SHAPE.hidden()];
      for (int i = 0; i < out.length; i++) {
        out[i] = bytes == 4 ? row.getFloat() : Float.intBitsToFloat(row.getShort() << 16);
      }
      return out;
    }
  }
}
