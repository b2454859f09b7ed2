package dev.varco.model.tiny;

import java.util.SplittableRandom;

/**
 * Normally distributed values from a seed, reproducible on every JVM: SplittableRandom's
 * uniform doubles are specified bit-exactly, and the Box-Muller transform is spelled out here
 * rather than relying on a library's unspecified Gaussian algorithm. Each tensor gets its own
 * stream derived from the seed and its name, so values do not depend on generation order.
 */
final class SeededNormal {
  private SeededNormal() {}

  static float[] values(long seed, String tensorName, int count, double mean, double std) {
    SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + tensorName.hashCode());
    float[] values = new float[count];
    for (int i = 0; i < count; i += 2) {
      double u1 = 1.0 - random.nextDouble(); // (0, 1]: log stays finite
      double u2 = random.nextDouble();
      double radius = Math.sqrt(-2.0 * Math.log(u1));
      values[i] = (float) (mean + std * radius * Math.cos(2 * Math.PI * u2));
      if (i + 1 < count) {
        values[i + 1] = (float) (mean + std * radius * Math.sin(2 * Math.PI * u2));
      }
    }
    return values;
  }
}
