package dev.varco.llm.api;

import dev.varco.llm.engine.GenerationEngine;
import dev.varco.llm.engine.ModelStateChanged;
import dev.varco.proto.llm.v1.LanguageModelGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/**
 * The standard gRPC health service reports {@code varco.llm.v1.LanguageModel} (and the server as a
 * whole, service "") as SERVING only once the model is loaded and has decoded a warm-up token.
 */
@ApplicationScoped
public class GrpcServingStatus {
  @Inject GrpcHealthStorage health;
  @Inject GenerationEngine engine;

  void onStart(@Observes StartupEvent event) {
    publish(engine.state());
  }

  void onStateChange(@Observes ModelStateChanged change) {
    publish(change.state());
  }

  private void publish(GenerationEngine.State state) {
    ServingStatus status = state == GenerationEngine.State.READY ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    health.setStatus(GrpcHealthStorage.DEFAULT_SERVICE_NAME, status);
    health.setStatus(LanguageModelGrpc.SERVICE_NAME, status);
  }
}
