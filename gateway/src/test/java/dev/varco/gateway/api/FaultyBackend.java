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
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A language-model backend that misbehaves on request, for the gateway's failure paths that the
 * real llm-service (system-tests) cannot be made to take: the last message's text picks the fault.
 * {@code fail}: the call ends with INTERNAL; {@code stall}: no answer until the gateway's deadline;
 * {@code partial}: one delta, then silence; {@code overflow}: OUT_OF_RANGE naming max_tokens, as
 * llm-service reports a context overflow; {@code refuse-image}: INVALID_ARGUMENT naming the first
 * image, as llm-service relays vision-service's refusal; {@code busy}: RESOURCE_EXHAUSTED, as
 * llm-service's full queue; anything else: {@code ok} and a normal completion. It records the
 * {@code caller} of the last request, and describes its running slots as the init argument
 * {@code max-running-requests} says (absent: 0, as an llm-service that does not say).
 */
public class FaultyBackend implements QuarkusTestResourceLifecycleManager {
  static final String MODEL = "faulty-model";
  /** Generations the gateway cancelled (client gone, deadline). */
  static final AtomicInteger CANCELLED = new AtomicInteger();
  /** The {@code caller} of the last Generate call. */
  static final AtomicReference<String> LAST_CALLER = new AtomicReference<>();
  private Server server;
  private int maxRunning;

  @Override
  public void init(Map<String, String> initArgs) {
    maxRunning = Integer.parseInt(initArgs.getOrDefault("max-running-requests", "0"));
  }

  @Override
  public Map<String, String> start() {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new Service(maxRunning)).build();
    try {
      server.start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the faulty backend", e);
    }
    String port = Integer.toString(server.getPort());
    return Map.of("quarkus.grpc.clients.llm.host", "127.0.0.1", "quarkus.grpc.clients.llm.port", port,
        "quarkus.grpc.clients.llm.test-port", port, "varco.upstream.generation-timeout", "PT2S");
  }

  @Override
  public void stop() {
    if (server != null) {
      server.shutdownNow();
    }
  }

  private static final class Service extends LanguageModelGrpc.LanguageModelImplBase {
    private final int maxRunning;

    Service(int maxRunning) {
      this.maxRunning = maxRunning;
    }

    @Override
    public void describeModel(DescribeModelRequest request, StreamObserver<ModelDescription> answer) {
      answer.onNext(ModelDescription.newBuilder().setName(MODEL).setContextLength(4096).setCreated(1)
          .setMaxRunningRequests(maxRunning).build());
      answer.onCompleted();
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> answer) {
      ((ServerCallStreamObserver<GenerateResponse>) answer).setOnCancelHandler(CANCELLED::incrementAndGet);
      LAST_CALLER.set(request.getCaller());
      var last = request.getMessages(request.getMessagesCount() - 1);
      String text = last.getContentCount() > 0 ? last.getContent(0).getText() : "";
      switch (text) {
        case "fail" -> answer.onError(Status.INTERNAL.withDescription("injected failure").asRuntimeException());
        case "stall" -> { }
        case "overflow" -> answer.onError(Status.OUT_OF_RANGE.withDescription("sampling.max_tokens: prompt of 5"
            + " tokens + max_tokens 4096 = 4101 exceeds the context length of 4096").asRuntimeException());
        case "refuse-image" -> answer.onError(Status.INVALID_ARGUMENT.withDescription(
            "messages[0].content[1].image: the image could not be decoded").asRuntimeException());
        case "partial" -> answer.onNext(delta("partial"));
        case "busy" -> answer.onError(Status.RESOURCE_EXHAUSTED.withDescription(
            "llm-service queue is full: 16 requests are waiting (varco.llm.max-waiting-requests)").asRuntimeException());
        default -> {
          answer.onNext(delta("ok"));
          answer.onNext(GenerateResponse.newBuilder().setCompletion(Completion.newBuilder()
              .setFinishReason(FinishReason.FINISH_REASON_STOP)
              .setUsage(Usage.newBuilder().setPromptTokens(3).setCompletionTokens(1))).build());
          answer.onCompleted();
        }
      }
    }

    private static GenerateResponse delta(String text) {
      return GenerateResponse.newBuilder().setDelta(TextDelta.newBuilder().setText(text).setTokenCount(1)).build();
    }
  }
}
