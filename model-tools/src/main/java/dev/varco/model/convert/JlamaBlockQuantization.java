package dev.varco.model.convert;

import java.nio.ByteBuffer;

/**
 * Jlama 0.8.4's block quantization, written out by hand so the converter can stream a checkpoint
 * row by row (Jlama's own {@code SafeTensorSupport.quantizeModel} loads whole tensors, goes through
 * a temporary file and needs a README.md in the source folder). The arithmetic is that of
 * {@code Q8ByteBufferTensor.processBlock} and {@code Q4ByteBufferTensor.processBlock}, in float32
 * as there, so the bytes are the ones Jlama would write.
 *
 * <p>Blocks are {@value #BLOCK} consecutive values of a row; a row's length must be a multiple of
 * it. Scales are float32, one per block, stored as the tensor {@code <name>.qb} of shape
 * {@code [rows, cols / 32]}.
 */
final class JlamaBlockQuantization {
  static final int BLOCK = 32;
  private static final int HALF = BLOCK / 2;

  private JlamaBlockQuantization() {}

  /**
   * Q8 ("I8" in the file): {@code scale = max|x| / 127} (as {@code 1 / (127 / max)}),
   * {@code q = round(x * 127 / max)}; dequantized {@code q * scale}. Writes {@code values.length}
   * bytes to {@code out} and one scale per block to {@code scales}.
   */
  static void q8(float[] values, int from, int length, ByteBuffer out, float[] scales, int scaleOffset) {
    for (int block = 0; block < length / BLOCK; block++) {
      int start = from + block * BLOCK;
      float max = 0f;
      for (int i = 0; i < BLOCK; i++) {
        max = Math.max(max, Math.abs(values[start + i]));
      }
      float iscale = max == 0f ? 0f : 127f / max;
      scales[scaleOffset + block] = iscale != 0f ? 1f / iscale : 0f;
      for (int i = 0; i < BLOCK; i++) {
        out.put((byte) Math.round(values[start + i] * iscale));
      }
    }
  }

  /**
   * Q4: with {@code m} the block's value of largest magnitude, {@code scale = m / -8},
   * {@code q = min(15, (int) (x / scale + 8.5))}; dequantized {@code (q - 8) * scale}. Byte
   * {@code j} of a block's 16 holds value {@code j} in its low nibble and value {@code j + 16} in
   * its high nibble (Jlama's SIMD layout). Writes {@code length / 2} bytes.
   */
  static void q4(float[] values, int from, int length, ByteBuffer out, float[] scales, int scaleOffset) {
    for (int block = 0; block < length / BLOCK; block++) {
      int start = from + block * BLOCK;
      float max = 0f;
      float amax = 0f;
      for (int i = 0; i < BLOCK; i++) {
        float v = values[start + i];
        float abs = Math.abs(v);
        if (abs > amax) {
          max = v;
          amax = abs;
        }
      }
      float scale = max / -8f;
      float iscale = scale != 0f ? 1f / scale : 0f;
      scales[scaleOffset + block] = scale;
      for (int j = 0; j < HALF; j++) {
        int low = Math.min(15, (int) (values[start + j] * iscale + 8.5f));
        int high = Math.min(15, (int) (values[start + j + HALF] * iscale + 8.5f));
        out.put((byte) (low | (high << 4)));
      }
    }
  }
}
