package dev.varco.load.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.load.LoadSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class OpenArrivalsTest {
  private static LoadSettings settings(LoadSettings.Profile profile) {
    return new LoadSettings("http://127.0.0.1:1", Optional.empty(), Duration.ofSeconds(100), 2, profile, 8, Duration.ofSeconds(10),
        Path.of("target"), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
  }

  private static int arrivalsBefore(LoadSettings settings, double seconds) {
    int n = 0;
    while (OpenArrivals.arrivalTime(settings, n) < seconds) {
      n++;
    }
    return n;
  }

  @Test
  void constantRateArrivesEvenly() {
    LoadSettings constant = settings(LoadSettings.Profile.CONSTANT);

    assertEquals(200, arrivalsBefore(constant, 100));
    assertEquals(100, arrivalsBefore(constant, 50));
  }

  @Test
  void rampGoesFromATenthToTenTimesTheRate() {
    LoadSettings ramp = settings(LoadSettings.Profile.RAMP);

    // 0.2/s rising to 20/s over 100 s: (0.2 + 20) / 2 x 100 = 1010 arrivals, 1 in the first 5 s, ~99 in the last 5.
    assertEquals(1010, arrivalsBefore(ramp, 100), 1);
    assertTrue(arrivalsBefore(ramp, 5) <= 4, "slow start");
    assertTrue(arrivalsBefore(ramp, 100) - arrivalsBefore(ramp, 95) >= 95, "fast end");
    assertTrue(ramp.maxArrivals() >= 1010, "the arrival bound leaves room for the whole ramp");
  }
}
