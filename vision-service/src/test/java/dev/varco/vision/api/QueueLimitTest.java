package dev.varco.vision.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.varco.proto.vision.v1.EncodeRequest;
import dev.varco.proto.vision.v1.EncodeResponse;
import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import dev.varco.vision.image.TestImages;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * With one worker and one queue slot, a burst is partly refused with RESOURCE_EXHAUSTED, and the
 * rest served. The worker hands tiles to the encoder thread only while less than a full batch
 * waits there, so a burst of large images backs up into the queue.
 */
@QuarkusTest
@TestProfile(QueueLimitTest.OneSlotQueue.class)
@WithTestResource(TinyModelResource.class)
class QueueLimitTest {
  public static class OneSlotQueue implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("varco.vision.workers", "1", "varco.vision.queue-capacity", "1");
    }
  }

  @GrpcClient("vision")
  Channel channel;

  @Test
  void aBurstBeyondTheQueueIsRefusedAndServiceContinues() throws Exception {
    ServiceReadiness.await();
    // Distinct images: identical ones would share one encode (single flight) instead of queueing.
    List<EncodeRequest> burst = IntStream.range(0, 8)
        .mapToObj(i -> EncodeRequest.newBuilder().setImage(ByteString.copyFrom(TestImages.png(2304, 2304 - i))).build())
        .toList();
    List<Status> outcomes = new CopyOnWriteArrayList<>();
    List<CompletableFuture<Void>> calls = burst.stream().map(request -> call(request, outcomes)).toList();
    CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);

    long refused = outcomes.stream().filter(s -> s.getCode() == Status.Code.RESOURCE_EXHAUSTED).count();
    long served = outcomes.stream().filter(Status::isOk).count();
    assertEquals(8, refused + served, "every call is either served or refused: " + outcomes);
    assertTrue(refused >= 1, "a burst of 8 over 1 worker + 1 slot must be partly refused: " + outcomes);
    assertTrue(served >= 2, "the running and the queued image are served: " + outcomes);
    outcomes.stream()
        .filter(s -> s.getCode() == Status.Code.RESOURCE_EXHAUSTED)
        .forEach(s -> assertTrue(s.getDescription().startsWith("vision encoder queue is full"), s.toString()));

    outcomes.clear();
    EncodeRequest another = EncodeRequest.newBuilder().setImage(ByteString.copyFrom(TestImages.png(2304, 2000))).build();
    call(another, outcomes).get(2, TimeUnit.MINUTES);
    assertTrue(outcomes.getFirst().isOk(), "served again after the burst: " + outcomes);
    assertEquals(0, MetricsScrape.value("varco_vision_num_requests_waiting"), "refused and served images all left the queue");
    assertEquals(0, MetricsScrape.value("varco_vision_tiles_waiting"));
  }

  private CompletableFuture<Void> call(EncodeRequest request, List<Status> outcomes) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    VisionEncoderGrpc.newStub(channel).encode(request, new StreamObserver<EncodeResponse>() {
      @Override
      public void onNext(EncodeResponse value) {}

      @Override
      public void onError(Throwable t) {
        outcomes.add(Status.fromThrowable(t));
        done.complete(null);
      }

      @Override
      public void onCompleted() {
        outcomes.add(Status.OK);
        done.complete(null);
      }
    });
    return done;
  }
}
