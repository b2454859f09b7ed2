package dev.varco.vision.api;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A decode budget whose burst could never admit the largest allowed image stops start-up, and the
 * message names both keys.
 */
@QuarkusMainTest
@TestProfile(DecodeBudgetStartupRefusalTest.BurstBelowTheImageLimit.class)
@WithTestResource(TinyModelResource.class)
class DecodeBudgetStartupRefusalTest {
  public static class BurstBelowTheImageLimit implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("varco.vision.decode-pixels-burst", "1000000", "varco.vision.max-image-pixels", "2000000");
    }
  }

  @Test
  @Launch(value = {}, exitCode = 1)
  void aBurstBelowTheImageLimitStopsStartUp(LaunchResult result) {
    assertNotEquals(0, result.exitCode());
    String output = result.getOutput() + result.getErrorOutput();
    assertTrue(output.contains("varco.vision.decode-pixels-burst (1000000) must be at least varco.vision.max-image-pixels"
        + " (2000000)"), output);
  }
}
