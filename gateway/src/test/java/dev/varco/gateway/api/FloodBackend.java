package dev.varco.gateway.api;

import dev.varco.proto.llm.v1.Completion;
import dev.varco.proto.llm.v1.DescribeModelRequest;
import dev.varco.proto.llm.v1.FinishReason;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.LanguageModelGrpc;
import dev.varco.proto.llm.v1.ModelDescription;
import dev.varco.proto.llm.v1.TextDelta;
import dev.varco.proto.llm.v1.Usage;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A language-model backend whose answers are floods: the last message {@code flood:<n>:<tag>}
 * streams n deltas of {@link #DELTA_CHARS} characters as fast as the gateway takes them, and no
 * faster (it honours gRPC's readiness, as a well-behaved server does), so what it has sent shows
 * how much the gateway pulled. Each flood is kept by its tag for the test to read.
 */
public class FloodBackend implements QuarkusTestResourceLifecycleManager {
  static final int DELTA_CHARS = 4096;
  static final Map<String, Flood> FLOODS = new ConcurrentHashMap<>();
  private Server server;

  /** One answer: how many deltas went out, and whether the gateway cancelled it. */
  static final class Flood {
    final int deltas;
    volatile int sent;
    volatile boolean cancelled;
    volatile boolean completed;

    Flood(int deltas) {
      this.deltas = deltas;
    }
  }

  @Override
  public Map<String, String> start() {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new Service()).build();
    try {
      server.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the flood backend", e);
    }
    String port = Integer.toString(server.getPort());
    return Map.of("quarkus.grpc.clients.llm.host", "127.0.0.1", "quarkus.grpc.clients.llm.port", port,
        "quarkus.grpc.clients.llm.test-port", port);
  }

  @Override
  public void stop() {
    if (server != null) {
      server.shutdownNow();
    }
  }

  private static final class Service extends LanguageModelGrpc.LanguageModelImplBase {
    private static final GenerateResponse DELTA = GenerateResponse.newBuilder()
        .setDelta(TextDelta.newBuilder().setText("x".repeat(DELTA_CHARS)).setTokenCount(1)).build();

    @Override
    public void describeModel(DescribeModelRequest request, StreamObserver<ModelDescription> answer) {
      answer.onNext(ModelDescription.newBuilder().setName("flood-model").setContextLength(1 << 20).setCreated(1).build());
      answer.onCompleted();
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> answer) {
      var call = (ServerCallStreamObserver<GenerateResponse>) answer;
      var last = request.getMessages(request.getMessagesCount() - 1);
      String[] words = last.getContent(0).getText().split(":");
      Flood flood = new Flood(Integer.parseInt(words[1]));
      FLOODS.put(words[2], flood);
      call.setOnCancelHandler(() -> flood.cancelled = true);
      call.setOnReadyHandler(() -> pump(call, flood));
    }

    private static void pump(ServerCallStreamObserver<GenerateResponse> call, Flood flood) {
      synchronized (flood) {
        while (call.isReady() && !flood.cancelled && flood.sent < flood.deltas) {
          call.onNext(DELTA);
          flood.sent++;
        }
        if (flood.sent == flood.deltas && !flood.completed && !flood.cancelled) {
          flood.completed = true;
          call.onNext(GenerateResponse.newBuilder().setCompletion(Completion.newBuilder()
              .setFinishReason(FinishReason.FINISH_REASON_STOP)
              .setUsage(Usage.newBuilder().setPromptTokens(3).setCompletionTokens(flood.deltas))).build());
          call.onCompleted();
        }
      }
    }
  }
}
