package dev.varco.gateway.tasks;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A box as VARCO-VISION writes it: {@code x1, y1, x2, y2}, top-left then bottom-right corner, as
 * fractions of the original image's width and height. Always finite with {@code 0 <= x1 <= x2 <= 1}
 * and {@code 0 <= y1 <= y2 <= 1} (a box the model shrank to a line by rounding is still a box;
 * requests are held to the stricter rule in {@link InputBox}).
 */
public record NormalizedBox(double x1, double y1, double x2, double y2) {
  public NormalizedBox {
    if (!(0 <= x1 && x1 <= x2 && x2 <= 1 && 0 <= y1 && y1 <= y2 && y2 <= 1)) {
      throw new IllegalArgumentException("not a normalized box: " + x1 + ", " + y1 + ", " + x2 + ", " + y2);
    }
  }

  /**
   * The box in pixel edge coordinates of an image of {@code size}: each fraction times the width or
   * height, rounded to the nearest integer (halves up). Three decimals resolve 0.1% of a side, so
   * whole pixels lose nothing the model said.
   */
  public PixelBox toPixels(ImageSize size) {
    return new PixelBox(
        (int) Math.round(x1 * size.width()),
        (int) Math.round(y1 * size.height()),
        (int) Math.round(x2 * size.width()),
        (int) Math.round(y2 * size.height()));
  }

  /**
   * The box as the model reads and writes it, e.g. {@code 0.014, 0.106, 0.51, 0.996}: each value
   * rounded to 3 decimals and printed like Python's {@code str(round(v, 3))} (trailing zeros dropped,
   * at least one decimal: {@code 0.5}, {@code 1.0}), the form of the training data.
   */
  public String modelText() {
    return format(x1) + ", " + format(y1) + ", " + format(x2) + ", " + format(y2);
  }

  /**
   * {@code v} rounded to 3 decimals: half to even on the exact binary value, as Python's
   * {@code round(v, 3)} does.
   */
  static double round3(double v) {
    return new BigDecimal(v).setScale(3, RoundingMode.HALF_EVEN).doubleValue();
  }

  private static String format(double v) {
    BigDecimal d = new BigDecimal(v).setScale(3, RoundingMode.HALF_EVEN).stripTrailingZeros();
    return d.scale() < 1 ? d.setScale(1).toPlainString() : d.toPlainString();
  }
}
