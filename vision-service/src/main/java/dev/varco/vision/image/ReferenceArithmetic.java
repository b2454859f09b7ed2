package dev.varco.vision.image;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The two Python float operations whose exact results decide LLaVA-OneVision token counts. Java's
 * {@code Math.floor(a / b)} and {@code Math.round} differ from them at the edges (for example
 * {@code 135 // (135 / 81)} is 80 in Python), and one token off breaks the decoder's placeholder
 * count, so the reference semantics are reproduced exactly here.
 */
final class ReferenceArithmetic {
  private ReferenceArithmetic() {}

  /** Python's {@code int(round(x, 7))} for a non-negative float: round half-even on the exact binary value, then truncate. */
  static int truncatedRoundTo7Places(double x) {
    return new BigDecimal(x).setScale(7, RoundingMode.HALF_EVEN).intValue();
  }

  /** Python's {@code a // b} for positive floats (CPython's float_floor_div: fmod-based, not floor(a / b)). */
  static double floorDivide(double a, double b) {
    double mod = a % b; // Java's % on doubles is C's fmod
    double quotient = (a - mod) / b;
    if (quotient == 0) {
      return 0;
    }
    double floor = Math.floor(quotient);
    return quotient - floor > 0.5 ? floor + 1 : floor;
  }
}
