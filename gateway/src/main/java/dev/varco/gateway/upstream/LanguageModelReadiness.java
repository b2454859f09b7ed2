package dev.varco.gateway.upstream;

import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import grpc.health.v1.MutinyHealthGrpc;
import io.grpc.Status;
import io.quarkus.grpc.GrpcClient;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * {@code /q/health/ready} is down while llm-service does not answer its gRPC health check: every
 * turn would be a 503 then, so a load balancer should send clients to a gateway that can answer.
 * Liveness does not depend on it (the gateway itself is fine, and serves stored conversations).
 */
@Readiness
@ApplicationScoped
public class LanguageModelReadiness implements AsyncHealthCheck {
  private static final long DEADLINE_SECONDS = 2;

  @Inject
  @GrpcClient("llm")
  MutinyHealthGrpc.MutinyHealthStub health;

  @ConfigProperty(name = "quarkus.grpc.clients.llm.host")
  String host;

  @ConfigProperty(name = "quarkus.grpc.clients.llm.port")
  int port;

  @Override
  public Uni<HealthCheckResponse> call() {
    String address = host + ":" + port;
    return health.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS).check(HealthCheckRequest.getDefaultInstance())
        .map(answer -> HealthCheckResponse.named("llm-service").status(answer.getStatus() == ServingStatus.SERVING)
            .withData("address", address).withData("status", answer.getStatus().name()).build())
        .onFailure().recoverWithItem(failure -> {
          Status status = Status.fromThrowable(failure);
          return HealthCheckResponse.named("llm-service").down().withData("address", address)
              .withData("error", status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()))
              .build();
        });
  }
}
