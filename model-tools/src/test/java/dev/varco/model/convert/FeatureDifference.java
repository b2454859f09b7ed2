package dev.varco.model.convert;

/**
 * How far encoder features are from expected ones, over all values of one or more tiles.
 *
 * @param relativeL2 ||actual - expected|| / ||expected||
 * @param maxRelative max |actual - expected| / max |expected|
 * @param cosine cosine similarity of the flattened features
 */
record FeatureDifference(double relativeL2, double maxRelative, double cosine) {

  /** {@code actual[offset ...]} (token-major, {@code hidden} wide) against reference rows. */
  static FeatureDifference of(float[] actual, int offset, double[][] expected) {
    int hidden = expected[0].length;
    double[] flat = new double[expected.length * hidden];
    for (int t = 0; t < expected.length; t++) {
      System.arraycopy(expected[t], 0, flat, t * hidden, hidden);
    }
    return between(actual, offset, flat);
  }

  static FeatureDifference of(float[] actual, float[] expected) {
    double[] flat = new double[expected.length];
    for (int i = 0; i < expected.length; i++) {
      flat[i] = expected[i];
    }
    return between(actual, 0, flat);
  }

  private static FeatureDifference between(float[] actual, int offset, double[] expected) {
    double diffSquares = 0;
    double expectedSquares = 0;
    double actualSquares = 0;
    double dot = 0;
    double maxDiff = 0;
    double maxExpected = 0;
    for (int i = 0; i < expected.length; i++) {
      double a = actual[offset + i];
      double e = expected[i];
      diffSquares += (a - e) * (a - e);
      expectedSquares += e * e;
      actualSquares += a * a;
      dot += a * e;
      maxDiff = Math.max(maxDiff, Math.abs(a - e));
      maxExpected = Math.max(maxExpected, Math.abs(e));
    }
    if (expectedSquares == 0) {
      throw new AssertionError("expected features are all zero: the comparison would prove nothing");
    }
    return new FeatureDifference(Math.sqrt(diffSquares / expectedSquares), maxDiff / maxExpected,
        dot / Math.sqrt(expectedSquares * actualSquares));
  }

  @Override
  public String toString() {
    return String.format("relative L2 %.3g, max %.3g, cosine %.6f", relativeL2, maxRelative, cosine);
  }
}
