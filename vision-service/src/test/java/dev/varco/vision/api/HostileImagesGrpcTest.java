package dev.varco.vision.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import dev.varco.vision.image.HostileImages;
import dev.varco.vision.image.TestImages;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile files through the real gRPC service (tiny model, test limits: 1 MB, 4096 per side):
 * each answered INVALID_ARGUMENT with a message naming the problem, and the service keeps
 * encoding good images and reporting SERVING afterwards.
 */
@QuarkusTest
@WithTestResource(TinyModelResource.class)
class HostileImagesGrpcTest {
  @GrpcClient("vision")
  VisionEncoderGrpc.VisionEncoderBlockingStub vision;

  @GrpcClient("vision")
  HealthGrpc.HealthBlockingStub health;

  @BeforeEach
  void waitUntilReady() throws InterruptedException {
    ServiceReadiness.await();
  }

  private int encodedTokens(byte[] image) {
    return EncodeCall.tokens(vision, image, "hostile");
  }

  @Test
  void hostileFilesAreInvalidArgumentsAndTheServiceKeepsAnswering() {
    byte[] jpeg = TestImages.encode(TestImages.noise(48, 32, 11), "jpeg");
    Map<String, byte[]> hostile = new LinkedHashMap<>();
    hostile.put("image bytes are not an image (no PNG or JPEG signature)",
        "GET / HTTP/1.1".getBytes(StandardCharsets.US_ASCII));
    hostile.put("image is 100000x100000, over the limit of 4096 pixels per side (varco.vision.max-image-side)", HostileImages.pngDeclaring(100_000, 100_000));
    hostile.put("image is 1x100000, over the limit of 4096 pixels per side (varco.vision.max-image-side)", HostileImages.pngDeclaring(1, 100_000));
    hostile.put("image is 1x3000, aspect ratio 3000:1 is over the limit of 200:1 (varco.vision.max-image-aspect-ratio)", TestImages.png(1, 3000));
    hostile.put("image is 60000x60000, over the limit of 4096 pixels per side (varco.vision.max-image-side)", HostileImages.jpegDeclaring(jpeg, 60000, 60000));
    hostile.put("PNG image is corrupt or truncated: chunk IDAT has a bad CRC", HostileImages.withBadCrc(TestImages.png(30, 20), "IDAT"));
    hostile.put("JPEG image is corrupt or truncated", Arrays.copyOf(jpeg, jpeg.length / 2));
    hostile.put("arithmetic-coded JPEG images are not supported", HostileImages.jpegWithFrameMarker(jpeg, 0xC9));

    for (Map.Entry<String, byte[]> file : hostile.entrySet()) {
      StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> encodedTokens(file.getValue()));
      assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode(), error.getStatus().toString());
      String message = error.getStatus().getDescription();
      assertTrue(message != null && message.startsWith(file.getKey()), "expected '" + file.getKey() + "', got '" + message + "'");
    }

    // An animated PNG is not hostile: its first frame is encoded (384x384 -> 1485 tokens).
    byte[] animated = HostileImages.apng(TestImages.png(384, 384), TestImages.encode(TestImages.noise(384, 384, 2), "png"));
    assertEquals(1485, encodedTokens(animated));
    assertEquals(1485, encodedTokens(TestImages.png(384, 384)), "still encoding after the hostile files");
    assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder().build()).getStatus());
  }
}
