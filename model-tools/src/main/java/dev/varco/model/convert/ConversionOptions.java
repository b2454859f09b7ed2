package dev.varco.model.convert;

import dev.varco.model.manifest.DecoderWeightType;
import dev.varco.model.manifest.EncoderPrecision;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What the converter writes beyond the always-present float32 encoder, and how it stores the decoder.
 *
 * @param encoderVariants extra precisions of the vision encoder to write (FP32 is ignored here:
 *     it is always written as {@code vision/encoder.onnx})
 * @param decoderWeightType how {@code llm/model.safetensors} stores the decoder; {@link
 *     DecoderWeightType#BF16} (the default) copies a bf16 checkpoint such as VARCO-VISION-14B-HF
 *     byte for byte
 */
public record ConversionOptions(Set<EncoderPrecision> encoderVariants, DecoderWeightType decoderWeightType) {
  /** Only the float32 encoder; the decoder in bf16. */
  public static final ConversionOptions DEFAULT = new ConversionOptions(Set.of());

  public ConversionOptions {
    EnumSet<EncoderPrecision> variants = EnumSet.noneOf(EncoderPrecision.class);
    variants.addAll(encoderVariants);
    variants.remove(EncoderPrecision.FP32);
    encoderVariants = Set.copyOf(variants);
    Objects.requireNonNull(decoderWeightType, "decoderWeightType");
  }

  /** Encoder variants with the decoder in bf16. */
  public ConversionOptions(Set<EncoderPrecision> encoderVariants) {
    this(encoderVariants, DecoderWeightType.BF16);
  }

  public ConversionOptions withDecoderWeightType(DecoderWeightType type) {
    return new ConversionOptions(encoderVariants, type);
  }

  /** Parses a comma-separated list of precision keys ({@code "int8"}); blank means none. */
  public static ConversionOptions withEncoderVariants(String keys) {
    EnumSet<EncoderPrecision> variants = EnumSet.noneOf(EncoderPrecision.class);
    for (String key : keys.split(",")) {
      if (key.isBlank()) {
        continue;
      }
      variants.add(parse(key.strip()));
    }
    return new ConversionOptions(variants);
  }

  private static EncoderPrecision parse(String key) {
    for (EncoderPrecision precision : EncoderPrecision.values()) {
      if (precision.key().equals(key)) {
        return precision;
      }
    }
    throw new IllegalArgumentException("unknown encoder precision '" + key + "' (known: fp32, int8)");
  }
}
