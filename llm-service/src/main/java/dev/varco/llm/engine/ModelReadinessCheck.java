package dev.varco.llm.engine;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the model is loaded and a warm-up token has been decoded; down while the model thread recovers from a fault. */
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
    String fault = engine.fault();
    if (engine.state() == GenerationEngine.State.FAULTED && fault != null) {
      response.withData("error", "the model thread failed and is restarting: " + fault);
    }
    if (engine.state() == GenerationEngine.State.READY) {
      response.withData("model", engine.model().manifest().name()).withData("context_length", engine.model().contextLength());
    }
    return response.build();
  }
}
