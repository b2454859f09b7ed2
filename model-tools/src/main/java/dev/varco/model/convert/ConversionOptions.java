package dev.varco.model.convert;

import dev.varco.model.manifest.EncoderPrecision;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the converter writes beyond the always-present float32 encoder.
 *
 * @param encoderVariants extra precisions of the vision encoder to write (FP32 is ignored here:
 *     it is always written as {@code vision/encoder.onnx})
 */
public record ConversionOptions(Set<EncoderPrecision> encoderVariants) {
  /** Only the float32 encoder. */
  public static final ConversionOptions DEFAULT = new ConversionOptions(Set.of());

  public ConversionOptions {
    EnumSet<EncoderPrecision> variants = EnumSet.noneOf(EncoderPrecision.class);
    variants.addAll(encoderVariants);
    variants.remove(EncoderPrecision.FP32);
    encoderVariants = Set.copyOf(variants);
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
