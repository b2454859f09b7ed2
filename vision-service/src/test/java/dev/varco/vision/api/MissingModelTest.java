package dev.varco.vision.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.varco.proto.vision.v1.EncodeRequest;
import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import dev.varco.vision.image.TestImages;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Without a loadable model the service stays up, reports not ready, and answers UNAVAILABLE. */
@QuarkusTest
@TestProfile(MissingModelTest.NoModel.class)
class MissingModelTest {
  public static class NoModel implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("varco.model.dir", Path.of("target", "no-such-model").toAbsolutePath().toString());
    }
  }

  @GrpcClient("vision")
  VisionEncoderGrpc.VisionEncoderBlockingStub vision;

  @GrpcClient("vision")
  HealthGrpc.HealthBlockingStub health;

  @Test
  void notReadyAndUnavailableWithTheReason() throws InterruptedException {
    // The loader fails fast; wait until it has reported.
    for (int i = 0; i < 100 && !given().get("/q/health/ready").asString().contains("failed:"); i++) {
      Thread.sleep(100);
    }
    given().get("/q/health/ready").then().statusCode(503).body(containsString("manifest.json is missing"));
    assertEquals(ServingStatus.NOT_SERVING,
        health.check(HealthCheckRequest.newBuilder().setService(VisionEncoderGrpc.SERVICE_NAME).build()).getStatus());

    StatusRuntimeException error = assertThrows(StatusRuntimeException.class,
        () -> vision.encode(EncodeRequest.newBuilder().setImage(ByteString.copyFrom(TestImages.png(8, 8))).build())
            .hasNext());
    assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    assertTrue(error.getStatus().getDescription().startsWith("vision encoder failed to load"),
        error.getStatus().getDescription());
  }
}
