package dev.varco.vision.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.varco.proto.vision.v1.EmbeddingHeader;
import dev.varco.proto.vision.v1.EncodeRequest;
import dev.varco.proto.vision.v1.EncodeResponse;
import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import dev.varco.vision.image.TestImages;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayOutputStream;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A slow consumer with a small HTTP/2 window: the server must wait for it (flow control) and still
 * deliver the whole stream in order. Small chunks make the tiny model's payload many messages.
 */
@QuarkusTest
@TestProfile(FlowControlTest.SmallChunksSmallWindow.class)
@WithTestResource(TinyModelResource.class)
class FlowControlTest {
  static final int CHUNK_BYTES = 4096;

  public static class SmallChunksSmallWindow implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(
          "varco.vision.stream-chunk-bytes", String.valueOf(CHUNK_BYTES),
          "quarkus.grpc.clients.vision.flow-control-window", "16384");
    }
  }

  @GrpcClient("vision")
  VisionEncoderGrpc.VisionEncoderBlockingStub vision;

  /** The header and the payload reassembled; optionally pausing before each read. */
  private static Reply read(Iterator<EncodeResponse> stream, long pauseMillis) throws InterruptedException {
    EmbeddingHeader header = stream.next().getHeader();
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    int chunks = 0;
    while (stream.hasNext()) {
      Thread.sleep(pauseMillis);
      ByteString chunk = stream.next().getChunk();
      assertTrue(chunk.size() > 0 && chunk.size() <= CHUNK_BYTES, "chunk of " + chunk.size() + " bytes");
      payload.writeBytes(chunk.toByteArray());
      chunks++;
    }
    return new Reply(header, chunks, payload.toByteArray());
  }

  record Reply(EmbeddingHeader header, int chunks, byte[] payload) {}

  @Test
  void aSlowConsumerGetsTheWholeStreamInOrder() throws Exception {
    ServiceReadiness.await();
    EncodeRequest request =
        EncodeRequest.newBuilder().setImage(ByteString.copyFrom(TestImages.png(2304, 2304))).build();
    double pauses = MetricsScrape.value("varco_vision_stream_flow_control_pauses_total");

    Reply slow = read(vision.encode(request), 2);
    assertEquals(7371, slow.header().getTokenCount());
    assertEquals(slow.header().getPayloadBytes(), slow.payload().length);
    assertEquals((slow.payload().length + CHUNK_BYTES - 1) / CHUNK_BYTES, slow.chunks());
    assertTrue(MetricsScrape.value("varco_vision_stream_flow_control_pauses_total") > pauses,
        "the server waited for the slow client at least once");

    Reply fast = read(vision.encode(request), 0);
    assertArrayEquals(fast.payload(), slow.payload());
  }
}
