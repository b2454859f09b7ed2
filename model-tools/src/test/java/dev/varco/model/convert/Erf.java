package dev.varco.model.convert;

/** The error function to double precision (for the reference's exact GELU): series and continued fraction. */
final class Erf {
  private Erf() {}

  static double erf(double x) {
    double a = Math.abs(x);
    double result;
    if (a < 2.5) {
      // Maclaurin series: erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1)).
      double term = a;
      double sum = a;
      double a2 = a * a;
      for (int n = 1; n < 100; n++) {
        term *= -a2 / n;
        double next = term / (2 * n + 1);
        sum += next;
        if (Math.abs(next) < 1e-17 * Math.abs(sum)) {
          break;
        }
      }
      result = 2 / Math.sqrt(Math.PI) * sum;
    } else {
      // Continued fraction for erfc, evaluated from the tail (Lentz would do as well).
      double fraction = 0;
      for (int n = 60; n >= 1; n--) {
        fraction = n / 2.0 / (a + fraction);
      }
      double erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + fraction);
      result = 1 - erfc;
    }
    return x < 0 ? -result : result;
  }
}
