package dev.varco.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.proto.chat.v1.ChatGrpc;
import dev.varco.proto.chat.v1.ChatMessage;
import dev.varco.proto.chat.v1.ChatPart;
import dev.varco.proto.chat.v1.ChatRequest;
import dev.varco.proto.chat.v1.ChatResponse;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Clients that read nothing of a streamed answer (20 of them here, for about 15 s each: the
 * scaled-down form of 50 clients for 60 s) against a backend that streams 16 MB per answer as
 * fast as the gateway takes it. The gateway must pause each generation once the client's
 * connection is full, so it never pulls the whole answer into memory; cut each after the stall
 * timeout, cancelling its generation; and meanwhile answer other callers in full, on both edges.
 */
@QuarkusTest
@TestProfile(StalledReadersTest.Flooded.class)
class StalledReadersTest {
  private static final int STALLED = 20;
  /** Deltas of one flood: 16 MB, far more than the socket buffers and gRPC windows between hold. */
  private static final int FLOOD = 4000;

  public static class Flooded implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("varco.gateway.stream.stall-timeout", "PT15S", "varco.gateway.stream.max-backlog-bytes", "16384",
          "varco.gateway.access.max-concurrent-requests", "64", "varco.gateway.access.burst", "200",
          "varco.gateway.max-completion-tokens", "100000", "varco.upstream.generation-timeout", "PT5M");
    }

    @Override
    public List<TestResourceEntry> testResources() {
      return List.of(new TestResourceEntry(FloodBackend.class));
    }
  }

  @TestHTTPResource("/")
  URL base;

  @GrpcClient("chat")
  Channel channel;

  private static String request(String tag, int deltas) {
    return "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"flood:" + deltas + ":" + tag + "\"}]}";
  }

  /** Sends a streamed request over a socket whose receive buffer is tiny; reads nothing. */
  private Socket send(String body) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(4096);
    socket.setSoTimeout(60_000);
    socket.connect(new InetSocketAddress("127.0.0.1", base.getPort()));
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().write(bytes);
    socket.getOutputStream().flush();
    return socket;
  }

  /** Everything until the stream's end ([DONE]) or the connection's. */
  private static String readAll(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    for (int n; (n = in.read(buffer)) > 0; ) {
      out.write(buffer, 0, n);
      if (out.size() > 16 && new String(buffer, Math.max(0, n - 32), Math.min(n, 32), StandardCharsets.US_ASCII)
          .contains("[DONE]")) {
        break;
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static FloodBackend.Flood flood(String tag) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      FloodBackend.Flood flood = FloodBackend.FLOODS.get(tag);
      if (flood != null) {
        return flood;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("the backend never got " + tag);
  }

  private static void awaitCancelled(FloodBackend.Flood flood, String tag) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    while (!flood.cancelled && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(flood.cancelled, tag + ": the generation of a client that reads nothing is cancelled after the stall"
        + " timeout (sent " + flood.sent + " of " + FLOOD + ")");
  }

  /** What each stalled flood has sent once none has moved for a second (or all ended). */
  private static int[] awaitSteady(int count) throws InterruptedException {
    int[] before = new int[count];
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Thread.sleep(1000);
      int[] now = new int[count];
      boolean moved = false;
      for (int i = 0; i < count; i++) {
        FloodBackend.Flood flood = flood("stalled-" + i);
        now[i] = flood.sent;
        moved |= now[i] != before[i] && !flood.completed && !flood.cancelled;
      }
      if (!moved) {
        return now;
      }
      before = now;
    }
    throw new AssertionError("the floods never came to rest");
  }

  private static long heapUsedMb() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20;
  }

  @Test
  void clientsThatReadNothingArePausedThenCutWhileOthersAreServed() throws Exception {
    long heapBefore = heapUsedMb();
    List<Socket> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < STALLED; i++) {
        stalled.add(send(request("stalled-" + i, FLOOD)));
      }
      for (int i = 0; i < STALLED; i++) {
        flood("stalled-" + i);
      }
      // Others are served in full meanwhile: a reading SSE client and a gRPC client.
      try (Socket reader = send(request("reader", 50))) {
        String answer = readAll(reader);
        assertTrue(answer.startsWith("HTTP/1.1 200"), answer.substring(0, Math.min(200, answer.length())));
        assertTrue(answer.contains("data: [DONE]"), "the reading client's stream ends normally");
        assertTrue(flood("reader").completed);
      }
      Iterator<ChatResponse> grpc = ChatGrpc.newBlockingStub(channel).withDeadlineAfter(Duration.ofSeconds(30))
          .complete(grpcRequest("grpc-reader", 50));
      int deltas = 0;
      ChatResponse last = null;
      while (grpc.hasNext()) {
        last = grpc.next();
        deltas += last.hasDone() ? 0 : 1;
      }
      assertEquals(50, deltas);
      assertTrue(last.hasDone());
      // Well within the stall timeout (long enough for a gateway that does not pause to pull all
      // 16 MB of each), every flood stops short of its end: paused, not pulled whole.
      int[] sent = awaitSteady(STALLED);
      System.out.printf("gateway heap: %d MB before, %d MB with %d stalled streams; deltas pulled of %d: %s%n",
          heapBefore, heapUsedMb(), STALLED, FLOOD, java.util.Arrays.toString(sent));
      for (int i = 0; i < STALLED; i++) {
        FloodBackend.Flood flood = flood("stalled-" + i);
        assertTrue(!flood.completed && flood.sent < FLOOD, "stalled-" + i + ": the gateway paused instead of"
            + " pulling the whole answer (" + flood.sent + " of " + FLOOD + " deltas sent)");
      }
      for (int i = 0; i < STALLED; i++) {
        awaitCancelled(flood("stalled-" + i), "stalled-" + i);
      }
    } finally {
      for (Socket socket : stalled) {
        socket.close();
      }
    }
  }

  @Test
  void aReaderThatPausesLessThanTheStallTimeoutGetsTheWholeAnswer() throws Exception {
    try (Socket slow = send(request("slow", FLOOD))) {
      FloodBackend.Flood flood = flood("slow");
      Thread.sleep(1500); // reads nothing for a while: its generation pauses
      String answer = readAll(slow);
      assertTrue(answer.contains("data: [DONE]"), "the whole stream arrives once the client reads");
      assertTrue(flood.completed && !flood.cancelled);
      int chunks = answer.split("\"content\":\"x", -1).length - 1;
      assertEquals(FLOOD, chunks);
    }
  }

  @Test
  void aGrpcClientThatReadsNothingIsCutWithResourceExhausted() throws Exception {
    CompletableFuture<Status> end = new CompletableFuture<>();
    ClientCallStreamObserver<?>[] call = new ClientCallStreamObserver<?>[1];
    ChatGrpc.newStub(channel).complete(grpcRequest("grpc-stalled", FLOOD), new ClientResponseObserver<ChatRequest,
        ChatResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<ChatRequest> requestStream) {
        call[0] = requestStream;
        requestStream.disableAutoRequestWithInitial(1);
      }

      @Override
      public void onNext(ChatResponse value) { }

      @Override
      public void onError(Throwable t) {
        end.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        end.complete(Status.OK);
      }
    });
    FloodBackend.Flood flood = flood("grpc-stalled");
    awaitCancelled(flood, "grpc-stalled");
    assertTrue(flood.sent < FLOOD, "paused, not pulled whole (" + flood.sent + " of " + FLOOD + ")");
    call[0].request(Integer.MAX_VALUE); // now read what was sent: the stream ends with the error
    Status status = end.get(30, TimeUnit.SECONDS);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, status.getCode(), status.toString());
    assertTrue(status.getDescription().contains("stall-timeout"), status.getDescription());
  }

  private static ChatRequest grpcRequest(String tag, int deltas) {
    return ChatRequest.newBuilder().addMessages(ChatMessage.newBuilder().setRole("user")
        .addParts(ChatPart.newBuilder().setText("flood:" + deltas + ":" + tag))).build();
  }
}
