package dev.varco.llm.engine;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the model is loaded and a warm-up token has been decoded. */
@Readiness
@ApplicationScoped
public class ModelReadinessCheck implements HealthCheck {
  @Inject GenerationEngine engine;

  @Override
  public HealthCheckResponse call() {
    var response = HealthCheckResponse.named("llm-model").status(engine.state() == GenerationEngine.State.READY)
        .withData("state", engine.state().name());
    if (engine.state() == GenerationEngine.State.FAILED && engine.loadFailure() != null) {
      response.withData("error", engine.loadFailure());
    }
    if (engine.state() == GenerationEngine.State.READY) {
      response.withData("model", engine.model().manifest().name()).withData("context_length", engine.model().contextLength());
    }
    return response.build();
  }
}
