package dev.varco.llm.transformer;

/**
 * Rotary position embedding as Hugging Face's Qwen2 applies it: frequencies
 * {@code 1 / theta^(2j/d)} in float32, angle = position x frequency in float32, the two halves of a
 * head rotated together ({@code rotate_half}). Cosines and sines are tabled for every position of
 * the context at load (context x d floats), so a forward pass only multiplies.
 */
final class RotaryTable {
  private final int half;
  private final float[] cos;
  private final float[] sin;

  RotaryTable(int headDim, double theta, int positions) {
    this.half = headDim / 2;
    this.cos = new float[positions * half];
    this.sin = new float[positions * half];
    float[] inverse = new float[half];
    for (int j = 0; j < half; j++) {
      float exponent = (float) (2 * j) / headDim;
      inverse[j] = 1.0f / (float) Math.pow((float) theta, exponent);
    }
    for (int p = 0; p < positions; p++) {
      for (int j = 0; j < half; j++) {
        float angle = (float) p * inverse[j];
        cos[p * half + j] = (float) Math.cos(angle);
        sin[p * half + j] = (float) Math.sin(angle);
      }
    }
  }

  /** Rotates the head starting at {@code x[offset]} (d floats) for {@code position}. */
  void rotate(float[] x, int offset, int position) {
    int table = position * half;
    for (int j = 0; j < half; j++) {
      float c = cos[table + j];
      float s = sin[table + j];
      float first = x[offset + j];
      float second = x[offset + half + j];
      x[offset + j] = first * c + (-second) * s;
      x[offset + half + j] = second * c + first * s;
    }
  }
}
