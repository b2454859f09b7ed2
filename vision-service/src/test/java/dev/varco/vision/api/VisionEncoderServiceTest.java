package dev.varco.vision.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.ByteString;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.manifest.ModelManifestIO;
import dev.varco.proto.vision.v1.EmbeddingDType;
import dev.varco.proto.vision.v1.EmbeddingHeader;
import dev.varco.proto.vision.v1.EncodeRequest;
import dev.varco.proto.vision.v1.EncodeResponse;
import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import dev.varco.vision.image.TokenCountFixture;
import dev.varco.vision.image.TestImages;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The service end to end over gRPC with the tiny model (same geometry as VARCO-VISION-14B). */
@QuarkusTest
@WithTestResource(TinyModelResource.class)
class VisionEncoderServiceTest {
  @GrpcClient("vision")
  VisionEncoderGrpc.VisionEncoderBlockingStub vision;

  @GrpcClient("vision")
  HealthGrpc.HealthBlockingStub health;

  /** What one Encode call streamed back. */
  record Reply(EmbeddingHeader header, List<Integer> chunkSizes, byte[] payload) {}

  @BeforeEach
  void waitUntilReady() throws InterruptedException {
    ServiceReadiness.await();
  }

  private Reply encode(byte[] image, String sha256) {
    Iterator<EncodeResponse> stream =
        vision.encode(EncodeRequest.newBuilder().setImage(ByteString.copyFrom(image)).setSha256(sha256)
            .setRequestId("test").build());
    EncodeResponse first = stream.next();
    assertTrue(first.hasHeader(), "the stream starts with the header");
    List<Integer> sizes = new ArrayList<>();
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    while (stream.hasNext()) {
      EncodeResponse part = stream.next();
      assertTrue(part.hasChunk(), "after the header only chunks follow");
      sizes.add(part.getChunk().size());
      payload.writeBytes(part.getChunk().toByteArray());
    }
    return new Reply(first.getHeader(), sizes, payload.toByteArray());
  }

  private Reply encode(byte[] image) {
    return encode(image, "");
  }

  private static ModelManifest manifest() {
    return ModelManifestIO.read(TinyModelResource.MODEL_DIR);
  }

  private static float[] halfFloats(byte[] payload, int from, int count) {
    ByteBuffer buffer = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
    float[] values = new float[count];
    for (int i = 0; i < count; i++) {
      values[i] = Float.float16ToFloat(buffer.getShort((from + i) * 2));
    }
    return values;
  }

  private void assertInvalid(byte[] image, String expectedMessage) {
    StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> encode(image));
    assertEquals(Status.Code.INVALID_ARGUMENT, error.getStatus().getCode(), error.getStatus().toString());
    assertTrue(error.getStatus().getDescription().startsWith(expectedMessage),
        "message '" + error.getStatus().getDescription() + "' should start with '" + expectedMessage + "'");
  }

  @Test
  void pngHeaderChunksAndPayloadFollowTheContract() {
    ModelManifest manifest = manifest();
    int hidden = manifest.vision().hiddenSize();
    byte[] png = TestImages.png(500, 375);
    Reply reply = encode(png);
    EmbeddingHeader header = reply.header();
    assertEquals(1728, header.getTokenCount(), "fixture row 500x375");
    assertEquals(hidden, header.getHiddenSize());
    assertEquals(EmbeddingDType.EMBEDDING_D_TYPE_FLOAT16, header.getDtype());
    assertEquals(ImageDigest.sha256(png), header.getSha256());
    assertEquals(500, header.getImageWidth());
    assertEquals(375, header.getImageHeight());
    assertEquals(384, header.getGridHeight());
    assertEquals(768, header.getGridWidth());
    assertEquals(2, header.getTileCount());
    assertEquals((long) header.getTokenCount() * hidden * 2, header.getPayloadBytes());
    assertEquals(header.getPayloadBytes(), reply.payload().length);
    assertFalse(reply.chunkSizes().isEmpty());
    reply.chunkSizes().forEach(size -> assertTrue(size > 0 && size <= 1 << 20, "chunk of " + size + " bytes"));
  }

  @Test
  void jpegIsEncodedAndAGivenDigestIsVerified() {
    byte[] jpeg = TestImages.jpeg(640, 480);
    Reply reply = encode(jpeg, ImageDigest.sha256(jpeg));
    assertEquals(2929, reply.header().getTokenCount(), "fixture row 640x480");
    assertEquals(640, reply.header().getImageWidth());
    assertEquals(ImageDigest.sha256(jpeg), reply.header().getSha256());

    StatusRuntimeException mismatch =
        assertThrows(StatusRuntimeException.class, () -> encode(jpeg, ImageDigest.sha256(new byte[] {1})));
    assertEquals(Status.Code.INVALID_ARGUMENT, mismatch.getStatus().getCode());
    assertTrue(mismatch.getStatus().getDescription().contains("does not match the image bytes"));
  }

  @Test
  void packedRowCountsOnRealEncoderOutputMatchTheReferenceFixture() throws Exception {
    int hidden = manifest().vision().hiddenSize();
    JsonNode fixture = TokenCountFixture.load();
    int checked = 0;
    for (JsonNode c : fixture.get("cases")) {
      int width = c.get("width").asInt();
      int height = c.get("height").asInt();
      boolean subset = (width == 384 && height == 384) || (width == 2304 && height == 2304)
          || (width == 13 && height == 7) || (width == 1920 && height == 1080) || (width == 50 && height == 800)
          || (width == 1 && height == 1) || (width == 1151 && height == 767);
      if (!subset) {
        continue;
      }
      Reply reply = encode(TestImages.png(width, height));
      String at = width + "x" + height;
      assertEquals(c.get("tokens").asInt(), reply.header().getTokenCount(), at);
      assertEquals((long) c.get("tokens").asInt() * hidden * 2, reply.payload().length, at);
      assertEquals(c.get("pinpoint_height").asInt(), reply.header().getGridHeight(), at);
      assertEquals(c.get("pinpoint_width").asInt(), reply.header().getGridWidth(), at);
      checked++;
    }
    assertEquals(7, checked);
  }

  @Test
  void baseTileRowsEqualTheGraphRunDirectlyAndRowsEndWithTheNewline() throws Exception {
    ModelManifest manifest = manifest();
    ModelManifest.Vision v = manifest.vision();
    int size = v.imageSize();
    int hidden = v.hiddenSize();
    int tokens = v.tokensPerTile();
    // A tile-sized image: the base tile is its pixels, normalised (no resampling involved).
    BufferedImage image = TestImages.noise(size, size, 7);
    float[] pixels = new float[3 * size * size];
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int rgb = image.getRGB(x, y);
        for (int c = 0; c < 3; c++) {
          int level = (rgb >> (16 - 8 * c)) & 0xFF;
          pixels[c * size * size + y * size + x] =
              (float) ((level * v.rescaleFactor() - v.imageMean().get(c)) / v.imageStd().get(c));
        }
      }
    }
    float[] direct = new float[tokens * hidden];
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(TinyModelResource.MODEL_DIR.resolve(v.encoder()).toString());
        OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {1, 3, size, size});
        OrtSession.Result result = session.run(Map.of(v.encoderInput(), input))) {
      ((OnnxTensor) result.get(v.encoderOutput()).orElseThrow()).getFloatBuffer().get(direct);
    }

    Reply reply = encode(TestImages.encode(image, "png"));
    assertEquals(1485, reply.header().getTokenCount());
    float[] base = halfFloats(reply.payload(), 0, tokens * hidden);
    for (int i = 0; i < direct.length; i++) {
      assertEquals(direct[i], base[i], 2e-3 * Math.max(1, Math.abs(direct[i])), "base tile value " + i);
    }
    // 384x384: one grid tile identical to the base; 27 rows of 27 features, each followed by image_newline.
    ByteBuffer newlineBytes = ByteBuffer.wrap(Files.readAllBytes(TinyModelResource.MODEL_DIR.resolve(v.imageNewline())))
        .order(ByteOrder.LITTLE_ENDIAN);
    int side = (int) Math.sqrt(tokens);
    for (int row = 0; row < side; row++) {
      int newlineToken = tokens + row * (side + 1) + side;
      float[] newline = halfFloats(reply.payload(), newlineToken * hidden, hidden);
      for (int i = 0; i < hidden; i++) {
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(newlineBytes.getFloat(4 * i))), newline[i], "row " + row);
      }
      float[] firstOfRow = halfFloats(reply.payload(), (tokens + row * (side + 1)) * hidden, hidden);
      float[] sameInBase = halfFloats(reply.payload(), row * side * hidden, hidden);
      assertEquals(sameInBase[0], firstOfRow[0], "grid tile row " + row + " equals the base tile's");
    }
  }

  @Test
  void badInputsAreInvalidArgumentsAndTheServiceKeepsServing() {
    assertInvalid(TestImages.gif(16, 16), "GIF images are not supported; send PNG or JPEG");
    assertInvalid("just some text, not a picture".getBytes(), "image bytes are not an image");
    assertInvalid(TestImages.truncated(TestImages.encode(TestImages.noise(64, 64, 3), "png"), 0.5),
        "PNG image is corrupt or truncated");
    assertInvalid(TestImages.truncated(TestImages.encode(TestImages.noise(64, 64, 4), "jpeg"), 0.5),
        "JPEG image is corrupt or truncated");
    assertInvalid(new byte[0], "image is empty");
    // Test limits (application.properties, %test): 1,000,000 bytes and 4096 pixels per side.
    byte[] large = TestImages.encode(TestImages.noise(700, 700, 5), "png");
    assertInvalid(large, "image is " + large.length + " bytes, over the limit of 1000000 bytes (varco.vision.max-image-bytes)");
    assertInvalid(TestImages.png(4100, 2), "image is 4100x2, over the limit of 4096 pixels per side (varco.vision.max-image-side)");

    assertEquals(1485, encode(TestImages.png(384, 384)).header().getTokenCount());
  }

  @Test
  void aSecondEncodeOfTheSameImageIsACacheHitWithIdenticalBytes() {
    byte[] png = TestImages.encode(TestImages.noise(300, 200, 11), "png");
    double hits = MetricsScrape.value("varco_vision_cache_hits_total");
    double tiles = MetricsScrape.value("varco_vision_tiles_total");
    Reply first = encode(png);
    double tilesAfterFirst = MetricsScrape.value("varco_vision_tiles_total");
    assertEquals(first.header().getTileCount() + 1, tilesAfterFirst - tiles, "grid tiles + the base tile encoded");

    Reply second = encode(png);
    assertEquals(hits + 1, MetricsScrape.value("varco_vision_cache_hits_total"));
    assertEquals(tilesAfterFirst, MetricsScrape.value("varco_vision_tiles_total"), "a hit encodes nothing");
    assertEquals(first.header(), second.header());
    assertArrayEquals(first.payload(), second.payload());
    assertTrue(MetricsScrape.value("varco_vision_cache_size_bytes") >= first.payload().length);
  }

  @Test
  void concurrentIdenticalRequestsAreEncodedOnce() throws Exception {
    byte[] png = TestImages.encode(TestImages.noise(700, 300, 12), "png");
    double tiles = MetricsScrape.value("varco_vision_tiles_total");
    double servedWithoutEncoding =
        MetricsScrape.value("varco_vision_cache_hits_total") + MetricsScrape.value("varco_vision_encode_shared_total");
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try {
      List<Future<Reply>> calls = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        calls.add(callers.submit(() -> encode(png)));
      }
      List<Reply> replies = new ArrayList<>();
      for (Future<Reply> call : calls) {
        replies.add(call.get(2, TimeUnit.MINUTES));
      }
      for (Reply reply : replies) {
        assertArrayEquals(replies.getFirst().payload(), reply.payload());
      }
      // Each later caller either joined the encode in flight or found its result in the cache.
      assertEquals(replies.getFirst().header().getTileCount() + 1, MetricsScrape.value("varco_vision_tiles_total") - tiles);
      assertEquals(servedWithoutEncoding + 3,
          MetricsScrape.value("varco_vision_cache_hits_total") + MetricsScrape.value("varco_vision_encode_shared_total"));
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void healthAndMetricsReportTheLoadedEncoder() {
    assertEquals(ServingStatus.SERVING, health.check(HealthCheckRequest.newBuilder().build()).getStatus());
    assertEquals(ServingStatus.SERVING,
        health.check(HealthCheckRequest.newBuilder().setService("varco.vision.v1.VisionEncoder").build()).getStatus());
    given().get("/q/health/ready").then().statusCode(200).body(containsString("vision-encoder"));
    encode(TestImages.png(384, 384));
    String metrics = MetricsScrape.text();
    for (String name : List.of(
        "varco_vision_encode_seconds_bucket",
        "varco_vision_encode_seconds_count",
        "varco_vision_encode_seconds{quantile=\"0.99\"}",
        "varco_vision_encoder_batch_seconds_bucket",
        "varco_vision_tiles_total",
        "varco_vision_batch_tiles_bucket",
        "varco_vision_batch_images_bucket",
        "varco_vision_num_requests_waiting",
        "varco_vision_tiles_waiting",
        "varco_vision_cache_hits_total",
        "varco_vision_cache_misses_total",
        "varco_vision_cache_evictions_total",
        "varco_vision_cache_size_bytes",
        "varco_vision_cache_entries",
        "varco_vision_encode_shared_total",
        "varco_vision_stream_flow_control_pauses_total",
        "varco_vision_decode_budget_refusals_total",
        "varco_vision_decode_cutoffs_total")) {
      assertTrue(metrics.contains(name), name + " missing from /q/metrics");
    }
  }
}
