package dev.varco.llm.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The packed embedding rows of one image as the vision service returns them: {@code tokenCount}
 * rows of {@code hiddenSize} values, row-major, little-endian float16 or float32. Rows stay in the
 * format they arrived in (half the heap for float16: ~75 MB instead of 150 MB for a 2304x2304 image
 * of the 14B model) and are widened to float one row at a time, as they are copied into a forward
 * pass's input. Each row takes one prompt position.
 */
public final class ImageEmbedding {
  /** How the values are stored. */
  public enum Format {
    FLOAT16(2),
    FLOAT32(4);

    final int bytes;

    Format(int bytes) {
      this.bytes = bytes;
    }

    public int bytesPerValue() {
      return bytes;
    }
  }

  private final int tokenCount;
  private final int hiddenSize;
  private final Format format;
  private final ByteBuffer values;

  /**
   * @param values exactly {@code tokenCount * hiddenSize} values from position 0; read, never
   *     written (callers hand it over)
   */
  public ImageEmbedding(int tokenCount, int hiddenSize, Format format, ByteBuffer values) {
    if (tokenCount < 1 || hiddenSize < 1) {
      throw new IllegalArgumentException(
          "an image embedding needs at least one row and column, got " + tokenCount + "x" + hiddenSize);
    }
    if ((long) tokenCount * hiddenSize * format.bytes != values.capacity()) {
      throw new IllegalArgumentException(
          "image embedding of " + tokenCount + "x" + hiddenSize + " " + format + " holds " + values.capacity() + " bytes");
    }
    this.tokenCount = tokenCount;
    this.hiddenSize = hiddenSize;
    this.format = format;
    this.values = values.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Float32 rows from an array (tests, tools). */
  public static ImageEmbedding ofFloats(int tokenCount, int hiddenSize, float[] rows) {
    ByteBuffer values = ByteBuffer.allocate(rows.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    values.asFloatBuffer().put(rows);
    return new ImageEmbedding(tokenCount, hiddenSize, Format.FLOAT32, values);
  }

  public int tokenCount() {
    return tokenCount;
  }

  public int hiddenSize() {
    return hiddenSize;
  }

  public Format format() {
    return format;
  }

  /** Writes row {@code row} as floats into {@code dest[destOffset .. + hiddenSize)}. */
  public void copyRow(int row, float[] dest, int destOffset) {
    if (row < 0 || row >= tokenCount) {
      throw new IndexOutOfBoundsException("row " + row + " of an image of " + tokenCount + " rows");
    }
    int at = row * hiddenSize * format.bytes;
    if (format == Format.FLOAT16) {
      for (int i = 0; i < hiddenSize; i++, at += 2) {
        dest[destOffset + i] = Float.float16ToFloat(values.getShort(at));
      }
    } else {
      for (int i = 0; i < hiddenSize; i++, at += 4) {
        dest[destOffset + i] = values.getFloat(at);
      }
    }
  }
}
