package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.varco.model.tiny.TinyModel;
import dev.varco.proto.llm.v1.DescribeModelRequest;
import dev.varco.proto.llm.v1.LanguageModelGrpc;
import dev.varco.proto.vision.v1.EncodeRequest;
import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse.ServingStatus;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientInterceptors;
import io.grpc.ForwardingClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * llm-service and vision-service started by hand (their jars with the launcher's JVM flags but
 * not its listening address) listen on loopback only; with {@code varco.service-token} set they
 * refuse gRPC calls without that token or with another one (UNAUTHENTICATED), health excepted,
 * and a gateway holding the same token gets a turn with an image through both
 * (gateway -> llm-service -> vision-service). Three processes of its own, not the shared stack.
 */
class ServiceTokenSystemTest {
  private static final String TOKEN = "a-shared-secret-for-this-test";
  private static final Metadata.Key<String> HEADER = Metadata.Key.of("x-varco-service-token", Metadata.ASCII_STRING_MARSHALLER);
  private static final Path MODEL_DIR = Path.of("target", "tiny-model").toAbsolutePath(); // the shared stack's

  private static ServiceProcess vision;
  private static ServiceProcess llm;
  private static ServiceProcess gateway;
  private static ManagedChannel llmChannel;
  private static ManagedChannel visionChannel;
  private static String modelName;

  @BeforeAll
  static void start() throws Exception {
    modelName = TinyModel.prepare(MODEL_DIR).name();
    vision = new ServiceProcess("vision-service", "token-vision").withItsOwnAddress()
        .with("varco.model.dir", MODEL_DIR.toString()).with("varco.service-token", TOKEN).start();
    llm = new ServiceProcess("llm-service", "token-llm").withItsOwnAddress()
        .with("varco.model.dir", MODEL_DIR.toString()).with("varco.service-token", TOKEN)
        .with("varco.vision.host", "127.0.0.1").with("varco.vision.port", Integer.toString(vision.grpcPort)).start();
    gateway = ServiceProcess.gateway("token-gateway", llm.grpcPort).with("varco.service-token", TOKEN).start();
    llmChannel = Grpc.newChannelBuilderForAddress("127.0.0.1", llm.grpcPort, InsecureChannelCredentials.create()).build();
    visionChannel = Grpc.newChannelBuilderForAddress("127.0.0.1", vision.grpcPort, InsecureChannelCredentials.create()).build();
  }

  @AfterAll
  static void stop() throws Exception {
    for (ManagedChannel channel : new ManagedChannel[] {llmChannel, visionChannel}) {
      if (channel != null) {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
    for (ServiceProcess process : new ServiceProcess[] {gateway, llm, vision}) {
      if (process != null) {
        process.close();
      }
    }
  }

  @Test
  void theBackendsListenOnLoopbackByDefault() {
    for (ServiceProcess backend : List.of(vision, llm)) {
      for (int port : List.of(backend.httpPort, backend.grpcPort)) {
        InetAddress address = ListeningSockets.addressOf(port).orElseThrow(() -> new AssertionError("nothing listens on " + port));
        assertTrue(address.isLoopbackAddress(), "port " + port + " listens on " + address + ", wanted loopback only");
      }
    }
  }

  @Test
  void aCallWithoutTheTokenOrWithAnotherOneIsUnauthenticated() {
    for (Channel channel : List.of(llmChannel, withToken(llmChannel, "not-the-token"))) {
      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
          () -> LanguageModelGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
              .describeModel(DescribeModelRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode(), refused.getStatus().toString());
      assertTrue(refused.getStatus().getDescription().contains("varco.service-token"), refused.getStatus().getDescription());
    }
    EncodeRequest encode = EncodeRequest.newBuilder().setRequestId("token-test")
        .setImage(ByteString.copyFrom(TestImages.png(32, 32))).build();
    for (Channel channel : List.of(visionChannel, withToken(visionChannel, "not-the-token"))) {
      StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
          () -> VisionEncoderGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS).encode(encode).hasNext());
      assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode(), refused.getStatus().toString());
    }
    // The right token passes; health needs none (probes and the gateway's readiness use it).
    assertEquals(modelName, LanguageModelGrpc.newBlockingStub(withToken(llmChannel, TOKEN))
        .withDeadlineAfter(30, TimeUnit.SECONDS).describeModel(DescribeModelRequest.getDefaultInstance()).getName());
    assertTrue(VisionEncoderGrpc.newBlockingStub(withToken(visionChannel, TOKEN)).withDeadlineAfter(60, TimeUnit.SECONDS)
        .encode(encode).hasNext());
    for (Channel channel : List.of(llmChannel, visionChannel)) {
      assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance()).getStatus());
    }
  }

  @Test
  void aGatewayWithTheTokenServesATurnWithAnImageThroughBothBackends() throws Exception {
    HttpResponse<String> answer = imageTurn(gateway);
    assertEquals(200, answer.statusCode(), answer.body());
    assertTrue(answer.body().contains("\"image_tokens\""), answer.body());
  }

  /** Replicas found by discovery get channels of their own: those carry the token too. */
  @Test
  void aGatewayReachingDiscoveredReplicasSendsTheTokenToo() throws Exception {
    try (ServiceProcess discovering = ServiceProcess.gateway("token-gateway-discovery", llm.grpcPort)
        .with("varco.gateway.discovery.addresses", "127.0.0.1:" + llm.grpcPort).with("varco.service-token", TOKEN).start()) {
      HttpResponse<String> answer = imageTurn(discovering);
      assertEquals(200, answer.statusCode(), answer.body());
    }
  }

  /** A deployment whose gateway lacks the token gets an answer that names the setting. */
  @Test
  void aGatewayWithoutTheTokenIsRefusedUpstreamAndSaysWhy() throws Exception {
    try (ServiceProcess without = ServiceProcess.gateway("token-gateway-without", llm.grpcPort).start()) {
      HttpResponse<String> answer = imageTurn(without);
      assertTrue(answer.statusCode() >= 500, answer.statusCode() + " " + answer.body());
      assertTrue(answer.body().contains("varco.service-token"), answer.body());
    }
  }

  private static HttpResponse<String> imageTurn(ServiceProcess gateway) throws Exception {
    String body = new ObjectMapper().writeValueAsString(Map.of("max_tokens", 3, "temperature", 0, "messages", List.of(Map.of(
        "role", "user", "content", List.of(
            Map.of("type", "image_url", "image_url", Map.of("url", TestImages.dataUrl("image/png", TestImages.png(40, 30)))),
            Map.of("type", "text", "text", "Describe it."))))));
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(HttpRequest.newBuilder(URI.create(gateway.url() + "/v1/chat/completions"))
          .header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
  }

  private static Channel withToken(Channel channel, String token) {
    return ClientInterceptors.intercept(channel, new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            headers.put(HEADER, token);
            super.start(listener, headers);
          }
        };
      }
    });
  }
}
