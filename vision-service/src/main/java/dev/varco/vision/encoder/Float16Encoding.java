package dev.varco.vision.encoder;

/** The wire form of embeddings: IEEE half precision, little-endian, round-to-nearest-even. */
public final class Float16Encoding {
  private Float16Encoding() {}

  public static byte[] toLittleEndianBytes(float[] values) {
    byte[] bytes = new byte[values.length * 2];
    for (int i = 0; i < values.length; i++) {
      short half = Float.floatToFloat16(values[i]);
      bytes[2 * i] = (byte) half;
      bytes[2 * i + 1] = (byte) (half >> 8);
    }
    return bytes;
  }
}
