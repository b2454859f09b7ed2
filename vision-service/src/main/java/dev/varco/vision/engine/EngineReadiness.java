package dev.varco.vision.engine;

import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.quarkus.grpc.runtime.health.GrpcHealthStorage;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

/**
 * Whether the encoder session is loaded. Published as the gRPC health status (overall and for
 * {@code varco.vision.v1.VisionEncoder}) here, and read by the {@code /q/health/ready} check.
 */
@ApplicationScoped
public class EngineReadiness {
  private final Instance<GrpcHealthStorage> grpcHealth;
  private volatile String state = "loading";
  private volatile String model = "";

  EngineReadiness(Instance<GrpcHealthStorage> grpcHealth) {
    this.grpcHealth = grpcHealth;
  }

  void loading() {
    state = "loading";
    publish(ServingStatus.NOT_SERVING);
  }

  void ready(String modelName) {
    model = modelName == null ? "" : modelName;
    state = "ready";
    publish(ServingStatus.SERVING);
  }

  void failed(String reason) {
    state = "failed: " + reason;
    publish(ServingStatus.NOT_SERVING);
  }

  private void publish(ServingStatus status) {
    if (grpcHealth.isResolvable()) {
      grpcHealth.get().setStatus(GrpcHealthStorage.DEFAULT_SERVICE_NAME, status);
      grpcHealth.get().setStatus(VisionEncoderGrpc.SERVICE_NAME, status);
    }
  }

  public boolean isReady() {
    return "ready".equals(state);
  }

  /** "loading", "ready" or "failed: reason". */
  public String state() {
    return state;
  }

  public String model() {
    return model;
  }
}
