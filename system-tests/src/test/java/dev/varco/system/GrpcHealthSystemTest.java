package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every service answers the standard gRPC health protocol once the stack is ready. */
@ExtendWith(RunningStack.class)
class GrpcHealthSystemTest {

  @ParameterizedTest
  @ValueSource(strings = {"gateway", "llm-service", "vision-service"})
  void serviceReportsServing(String service) throws InterruptedException {
    RunningStack stack = RunningStack.get();
    int port = switch (service) {
      case "gateway" -> stack.gatewayGrpcPort;
      case "llm-service" -> stack.llmGrpcPort;
      default -> stack.visionGrpcPort;
    };
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      HealthCheckResponse response = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
      assertEquals(HealthCheckResponse.ServingStatus.SERVING, response.getStatus(), service);
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
