package dev.varco.vision.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import dev.varco.vision.image.BombCorpus;
import dev.varco.vision.image.TestImages;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The decompression-bomb corpus through the real gRPC service, with a decode budget that refills
 * one pixel a second and holds one largest image plus the warm-up, so it admits exactly one large
 * image: that one is decoded (or stopped at max-decode-time on a very slow machine), every later
 * large one is refused by the budget before it is queued, the over-limit and corrupt ones are
 * refused for what they are, and ordinary images are still admitted and encoded; the service stays
 * SERVING and counts what it refused. (Stopping at the time limit is timing: it is tested with a
 * fake clock in PreprocessingDeadlineTest and on the decoder in DecompressionBombsTest.)
 */
@QuarkusTest
@TestProfile(DecompressionBombsGrpcTest.SpentBudget.class)
@WithTestResource(TinyModelResource.class)
class DecompressionBombsGrpcTest {
  public static class SpentBudget implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "varco.vision.max-image-side", "8192",
          "varco.vision.decode-pixels-per-second", "1",
          "varco.vision.decode-pixels-burst", "35000000");
    }
  }

  private static final String BUDGET_SPENT = "the decode budget is spent: this image decodes to ";

  @GrpcClient("vision")
  VisionEncoderGrpc.VisionEncoderBlockingStub vision;

  @GrpcClient("vision")
  HealthGrpc.HealthBlockingStub health;

  @BeforeEach
  void waitUntilReady() throws InterruptedException {
    ServiceReadiness.await();
  }

  private Status refusal(String name) {
    try {
      return Status.OK.withDescription(EncodeCall.tokens(vision, BombCorpus.committed(name), name) + " tokens");
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  private void assertRefused(String name, Status.Code code, String messageStart) {
    Status status = refusal(name);
    assertEquals(code, status.getCode(), name + ": " + status);
    assertTrue(status.getDescription().startsWith(messageStart), name + ": " + status.getDescription());
  }

  @Test
  void eachBombIsRefusedOrBoundedAndOrdinaryImagesStillEncode() {
    assertEquals(1485, EncodeCall.tokens(vision, TestImages.png(384, 384), "bomb"));
    assertEquals(2929, EncodeCall.tokens(vision, TestImages.jpeg(640, 480), "bomb"));
    double refusedBefore = MetricsScrape.value("varco_vision_decode_budget_refusals_total");

    // The full bucket admits the first 33.5 MP bomb.
    Status first = refusal("grey1-5792x5792.png");
    assertTrue(first.isOk() || first.getDescription().contains("(varco.vision.max-decode-time)"), first.toString());
    // The bucket is spent: every image over the always-admitted size is refused before it is queued.
    for (String name : Set.of("palette1-8192x4096.png", "grey8-4096x4096.png", "rgba16-2896x2896.png",
        "interlaced-grey1-5792x5792.png", "grey8-2400x2400.jpg", "progressive-grey8-4096x4096.jpg", "short-data-5792x5792.png",
        "bad-deflate-5792x5792.png", "truncated-grey8-2400x2400.jpg")) {
      assertRefused(name, Status.Code.RESOURCE_EXHAUSTED, BUDGET_SPENT);
    }
    // What the file or its header says is wrong is refused at admission, whatever the budget holds.
    assertRefused("grey1-8192x8192.png", Status.Code.INVALID_ARGUMENT,
        "image is 8192x8192 = 67108864 pixels, over the limit of 33554432 decoded pixels per image (varco.vision.max-image-pixels)");
    assertRefused("truncated-grey1-5792x5792.png", Status.Code.INVALID_ARGUMENT, "PNG image is corrupt or truncated");

    // 4.2 MP is an ordinary size: admitted although the budget is spent.
    assertEquals(Status.Code.OK, refusal("rgb8-2048x2048.png").getCode());
    assertEquals(1485, EncodeCall.tokens(vision, TestImages.encode(TestImages.noise(384, 384, 3), "png"), "after"), "still encoding after the bombs");
    assertEquals(2929, EncodeCall.tokens(vision, TestImages.encode(TestImages.noise(640, 480, 4), "jpeg"), "after"));
    assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder().build()).getStatus());

    assertEquals(9, MetricsScrape.value("varco_vision_decode_budget_refusals_total") - refusedBefore, 0.01);
  }
}
