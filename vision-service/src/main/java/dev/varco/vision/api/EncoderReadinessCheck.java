package dev.varco.vision.api;

import dev.varco.vision.engine.EngineReadiness;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** {@code /q/health/ready}: up once the encoder session is loaded; says why not otherwise. */
@Readiness
@ApplicationScoped
public class EncoderReadinessCheck implements HealthCheck {
  private final EngineReadiness readiness;

  EncoderReadinessCheck(EngineReadiness readiness) {
    this.readiness = readiness;
  }

  @Override
  public HealthCheckResponse call() {
    return HealthCheckResponse.named("vision-encoder")
        .status(readiness.isReady())
        .withData("state", readiness.state())
        .withData("model", readiness.model())
        .build();
  }
}
