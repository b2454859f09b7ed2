package dev.varco.llm.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TokenSamplerTest {
  static final float[] P = {0.1f, 0.5f, 0.15f, 0.25f};

  @Test
  void temperatureZeroIsArgmax() {
    TokenSampler greedy = new TokenSampler(0f, 123);
    assertEquals(1, greedy.next(P));
    assertEquals(1, greedy.next(P));
  }

  @Test
  void sameSeedSameSequence() {
    int[] a = sample(new TokenSampler(1f, 42), 50);
    int[] b = sample(new TokenSampler(1f, 42), 50);
    int[] c = sample(new TokenSampler(1f, 43), 50);
    assertEquals(Arrays.toString(a), Arrays.toString(b));
    assertNotEquals(Arrays.toString(a), Arrays.toString(c));
  }

  @Test
  void frequenciesFollowTheTemperedDistribution() {
    int[] counts = new int[P.length];
    TokenSampler sampler = new TokenSampler(1f, 7);
    for (int i = 0; i < 20000; i++) {
      counts[sampler.next(P)]++;
    }
    for (int i = 0; i < P.length; i++) {
      assertEquals(P[i], counts[i] / 20000.0, 0.02, "token " + i);
    }
    // Low temperature concentrates on the argmax.
    TokenSampler cold = new TokenSampler(0.05f, 7);
    assertTrue(IntStream.range(0, 200).allMatch(i -> cold.next(P) == 1));
  }

  @Test
  void rejectsNegativeOrNonFiniteTemperature() {
    assertThrows(IllegalArgumentException.class, () -> new TokenSampler(-0.1f, 0));
    assertThrows(IllegalArgumentException.class, () -> new TokenSampler(Float.NaN, 0));
  }

  private static int[] sample(TokenSampler sampler, int n) {
    return IntStream.range(0, n).map(i -> sampler.next(P)).toArray();
  }
}
