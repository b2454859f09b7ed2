package dev.varco.model.manifest;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * How the decoder's weights are stored in {@code llm/model.safetensors}; the manifest's
 * {@code llm.weight_type} holds {@link #key()}.
 *
 * <p>{@link #Q8} and {@link #Q4} are Jlama 0.8.4's own block formats (32 values a block, one
 * float32 scale a block in a companion tensor {@code <name>.qb}). Only the seven projection
 * matrices of each layer (q, k, v, o, gate, up, down) are quantized; {@code embed_tokens},
 * {@code lm_head}, norms and biases keep the float dtype ({@link #floatTypeFor}).
 */
public enum DecoderWeightType {
  /** float32: bf16 sources are widened exactly. */
  F32("f32"),
  /** bfloat16: the published VARCO-VISION-14B-HF dtype, copied byte for byte from a bf16 source. */
  BF16("bf16"),
  /** Jlama I8 blocks: q = round(x * 127 / max|x|), scale = max|x| / 127; 1.125 bytes a weight. */
  Q8("q8"),
  /** Jlama Q4 blocks: nibble q = clamp(trunc(x / scale + 8.5), 0, 15), scale = m / -8 with m the
   * block's value of largest magnitude; 0.625 bytes a weight. */
  Q4("q4");

  private final String key;

  DecoderWeightType(String key) {
    this.key = key;
  }

  /** The name in the manifest and on the command line. */
  public String key() {
    return key;
  }

  public boolean quantized() {
    return this == Q8 || this == Q4;
  }

  /** Parses {@code f32|bf16|q8|q4} (case-insensitive); the message names the allowed values. */
  public static DecoderWeightType parse(String key) {
    String wanted = key.strip().toLowerCase(Locale.ROOT);
    for (DecoderWeightType type : values()) {
      if (type.key.equals(wanted)) {
        return type;
      }
    }
    throw new IllegalArgumentException("unknown decoder dtype '" + key + "' (allowed: " + allowed() + ")");
  }

  public static String allowed() {
    return Arrays.stream(values()).map(DecoderWeightType::key).collect(Collectors.joining(", "));
  }

  /**
   * The weight type of a manifest written before {@code llm.weight_type} existed: those copied
   * the source dtype, so {@code llm.dtype} says it ("float32" or "bfloat16").
   */
  public static DecoderWeightType fromTorchDtype(String torchDtype) {
    return "float32".equals(torchDtype) ? F32 : BF16;
  }

  /**
   * Torch dtype name of the tensors this type keeps in float (everything for F32/BF16; embeddings,
   * lm_head, norms and biases for Q8/Q4), given the source checkpoint's dtype name.
   */
  public String floatTypeFor(String sourceTorchDtype) {
    return switch (this) {
      case F32 -> "float32";
      case BF16 -> "bfloat16";
      // Quantized variants keep the other tensors exact: bf16 stays bf16, anything else widens to f32.
      case Q8, Q4 -> "bfloat16".equals(sourceTorchDtype) ? "bfloat16" : "float32";
    };
  }
}
