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

/**
 * A language-model backend that misbehaves on request, for the gateway's failure paths that the
 * real llm-service (system-tests) cannot be made to take: the last message's text picks the fault.
 * {@code fail}: the call ends with INTERNAL; {@code stall}: no answer until the gateway's deadline;
 * {@code partial}: one delta, then silence; {@code overflow}: OUT_OF_RANGE naming max_tokens, as
 * llm-service reports a context overflow; {@code refuse-image}: INVALID_ARGUMENT naming the first
 * image, as llm-service relays vision-service's refusal; anything else: {@code ok} and a normal
 * completion.
 */
public class FaultyBackend implements QuarkusTestResourceLifecycleManager {
  static final String MODEL = "faulty-model";
  /** Generations the gateway cancelled (client gone, deadline). */
  static final AtomicInteger CANCELLED = new AtomicInteger();
  private Server server;

  @Override
  public Map<String, String> start() {
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(new Service()).build();
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
    @Override
    public void describeModel(DescribeModelRequest request, StreamObserver<ModelDescription> answer) {
      answer.onNext(ModelDescription.newBuilder().setName(MODEL).setContextLength(4096).setCreated(1).build());
      answer.onCompleted();
    }

    @Override
    public void generate(GenerateRequest request, StreamObserver<GenerateResponse> answer) {
      ((ServerCallStreamObserver<GenerateResponse>) answer).setOnCancelHandler(CANCELLED::incrementAndGet);
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
