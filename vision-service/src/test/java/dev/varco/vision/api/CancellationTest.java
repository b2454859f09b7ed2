package dev.varco.vision.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.varco.proto.vision.v1.EncodeRequest;
import dev.varco.proto.vision.v1.EncodeResponse;
import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import dev.varco.vision.image.TestImages;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.DoublePredicate;
import org.junit.jupiter.api.Test;

/**
 * A call cancelled while its image waits behind others never costs an encoder run. One
 * preprocessing thread and one-tile batches keep five large images ahead of it for dozens of
 * encoder runs, so the cancel always arrives while it still waits.
 */
@QuarkusTest
@TestProfile(CancellationTest.OneTileBatches.class)
@WithTestResource(TinyModelResource.class)
class CancellationTest {
  public static class OneTileBatches implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "varco.vision.workers", "1",
          "varco.vision.queue-capacity", "8",
          "varco.vision.max-batch-tiles", "1",
          "varco.vision.batch-window", "0s");
    }
  }

  @GrpcClient("vision")
  Channel channel;

  /** The outcome of one call: OK with its encoded tile count, or its error status. */
  record Outcome(Status status, int encoderTiles) {}

  private CompletableFuture<Outcome> call(EncodeRequest request) {
    CompletableFuture<Outcome> done = new CompletableFuture<>();
    VisionEncoderGrpc.newStub(channel).encode(request, new StreamObserver<EncodeResponse>() {
      private int encoderTiles;

      @Override
      public void onNext(EncodeResponse value) {
        if (value.hasHeader()) {
          encoderTiles = value.getHeader().getTileCount() + 1; // grid tiles + the base tile
        }
      }

      @Override
      public void onError(Throwable t) {
        done.complete(new Outcome(Status.fromThrowable(t), 0));
      }

      @Override
      public void onCompleted() {
        done.complete(new Outcome(Status.OK, encoderTiles));
      }
    });
    return done;
  }

  private static EncodeRequest image(int height) {
    return EncodeRequest.newBuilder().setImage(ByteString.copyFrom(TestImages.png(2304, height))).build();
  }

  private static void awaitMetric(String name, DoublePredicate condition) throws InterruptedException {
    Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
    while (!condition.test(MetricsScrape.value(name))) {
      assertTrue(Instant.now().isBefore(deadline), name + " did not reach the expected value");
      Thread.sleep(10);
    }
  }

  @Test
  void aCancelledCallsTilesNeverReachTheEncoder() throws Exception {
    ServiceReadiness.await();
    double tiles = MetricsScrape.value("varco_vision_tiles_total");
    double misses = MetricsScrape.value("varco_vision_cache_misses_total");
    List<CompletableFuture<Outcome>> ahead = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ahead.add(call(image(2304 - i)));
    }
    // Every lookup is a miss and is counted just before the image is queued.
    awaitMetric("varco_vision_cache_misses_total", value -> value >= misses + 5);

    Context.CancellableContext context = Context.current().withCancellation();
    CompletableFuture<Outcome> cancelled = context.call(() -> call(image(2000)));
    awaitMetric("varco_vision_cache_misses_total", value -> value >= misses + 6);
    context.cancel(null);

    int servedTiles = 0;
    for (CompletableFuture<Outcome> call : ahead) {
      Outcome outcome = call.get(3, TimeUnit.MINUTES);
      assertTrue(outcome.status().isOk(), outcome.toString());
      servedTiles += outcome.encoderTiles();
    }
    assertEquals(Status.Code.CANCELLED, cancelled.get(1, TimeUnit.MINUTES).status().getCode());
    // The cancelled image leaves the queue without being decoded or encoded.
    awaitMetric("varco_vision_num_requests_waiting", value -> value == 0);
    // With one-tile batches, at most the single tile already inside the encoder when the cancel
    // arrived can complete (a slow, loaded machine can let the worker reach the image first);
    // every tile still waiting is dropped.
    double encoded = MetricsScrape.value("varco_vision_tiles_total") - tiles;
    assertTrue(encoded >= servedTiles && encoded <= servedTiles + 1,
        "only the five served images' tiles (and at most one in-flight tile) were encoded: " + encoded
            + " for " + servedTiles);
  }
}
