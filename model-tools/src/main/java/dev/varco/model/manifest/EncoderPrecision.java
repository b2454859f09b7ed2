package dev.varco.model.manifest;

/**
 * Numeric precision of a vision encoder graph in the model directory. {@code fp32} is always
 * there ({@code vision.encoder}); other precisions are optional variants listed in
 * {@code vision.encoder_variants} under {@link #key()}.
 */
public enum EncoderPrecision {
  /** Float32 weights and arithmetic: the reference. */
  FP32("fp32"),
  /**
   * Int8 weights (symmetric, one scale per output column) with activations quantized per run
   * (DynamicQuantizeLinear); attention, LayerNorm and GELU stay float32.
   */
  INT8("int8");

  private final String key;

  EncoderPrecision(String key) {
    this.key = key;
  }

  /** The name used in the manifest and in configuration. */
  public String key() {
    return key;
  }
}
