package dev.varco.model.safetensors;

/** Conversions between float32 and the two 16-bit float formats checkpoints use. */
public final class HalfFloats {
  private HalfFloats() {}

  public static float bf16ToFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xffff) << 16);
  }

  /** Rounds to nearest, ties to even, as torch's {@code tensor.to(torch.bfloat16)} does; NaN stays NaN. */
  public static short floatToBf16(float value) {
    int bits = Float.floatToRawIntBits(value);
    if (Float.isNaN(value)) {
      return (short) ((bits >>> 16) | 0x0040);
    }
    int roundingBias = 0x7fff + ((bits >>> 16) & 1);
    return (short) ((bits + roundingBias) >>> 16);
  }

  public static float f16ToFloat(short bits) {
    return Float.float16ToFloat(bits);
  }

  public static short floatToF16(float value) {
    return Float.floatToFloat16(value);
  }
}
