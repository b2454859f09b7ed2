package dev.varco.model.convert;

/**
 * Symmetric int8 quantization of a {@code [in, out]} weight matrix with one scale per output
 * column, so each output keeps its own range: {@code w[i][o] ~= values[i][o] * scales[o]}.
 * Values use -127..127 (not -128) so the grid is symmetric around zero and needs no zero point.
 */
record Int8ColumnQuantization(byte[] values, float[] scales) {
  static final int LEVELS = 127;

  static Int8ColumnQuantization of(float[] weight, int in, int out) {
    float[] scales = new float[out];
    for (int i = 0; i < in; i++) {
      for (int o = 0; o < out; o++) {
        scales[o] = Math.max(scales[o], Math.abs(weight[i * out + o]));
      }
    }
    for (int o = 0; o < out; o++) {
      // An all-zero column would divide by zero; any positive scale represents it exactly.
      scales[o] = scales[o] > 0 ? scales[o] / LEVELS : 1f;
    }
    byte[] values = new byte[weight.length];
    for (int i = 0; i < in; i++) {
      for (int o = 0; o < out; o++) {
        long level = Math.round(weight[i * out + o] / scales[o]);
        values[i * out + o] = (byte) Math.max(-LEVELS, Math.min(LEVELS, level));
      }
    }
    return new Int8ColumnQuantization(values, scales);
  }
}
