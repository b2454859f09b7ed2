package dev.varco.load.simulation;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.rampUsersPerSec;

import dev.varco.load.LoadSettings;
import io.gatling.javaapi.core.OpenInjectionStep;
import java.time.Duration;

/**
 * The open arrival model of a run: new users arrive at the configured rate whether or not earlier ones
 * are done (as real clients do), so an overloaded stack shows as queueing and errors, not as a
 * politely slowed load generator.
 */
final class Arrivals {
  private Arrivals() {}

  static OpenInjectionStep profile(LoadSettings settings) {
    return switch (settings.profile()) {
      case CONSTANT, SOAK -> constantUsersPerSec(settings.rate()).during(settings.duration());
      case RAMP -> rampUsersPerSec(settings.rate() / 10).to(settings.rate() * 10).during(settings.duration());
    };
  }

  /** Hard end of a run: the arrival phase, then time for the last arrivals' streams (per turn). */
  static Duration bound(LoadSettings settings, int streamsPerUser) {
    return settings.duration().plus(settings.streamTimeout().multipliedBy(streamsPerUser)).plusSeconds(10);
  }
}
