package dev.varco.llm.api;

import dev.varco.llm.engine.GenerationEngine;
import dev.varco.proto.llm.v1.ContentPart;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.LanguageModelGrpc;
import dev.varco.proto.llm.v1.Message;
import dev.varco.proto.llm.v1.SamplingParams;
import io.grpc.Channel;
import io.quarkus.grpc.GrpcClient;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;

/**
 * What the gRPC API tests share: a blocking client of this service's own gRPC server, waiting for
 * the model before each test, and request builders.
 */
abstract class GrpcApiTest {
  @GrpcClient("llm")
  Channel channel;

  @Inject GenerationEngine engine;

  LanguageModelGrpc.LanguageModelBlockingStub llm;

  @BeforeEach
  void awaitModel() throws InterruptedException {
    llm = LanguageModelGrpc.newBlockingStub(channel).withDeadlineAfter(Duration.ofMinutes(2));
    ModelReady.await(engine);
  }

  static Message text(String role, String text) {
    return Message.newBuilder().setRole(role).addContent(ContentPart.newBuilder().setText(text)).build();
  }

  static GenerateRequest request(SamplingParams sampling, Message... messages) {
    return GenerateRequest.newBuilder().setRequestId("test").addAllMessages(List.of(messages)).setSampling(sampling).build();
  }

  static SamplingParams greedy(int maxTokens) {
    return SamplingParams.newBuilder().setTemperature(0).setMaxTokens(maxTokens).build();
  }

  /** Runs one Generate call to its end. */
  GenerateOutcome generate(GenerateRequest request) {
    List<GenerateResponse> responses = new ArrayList<>();
    llm.generate(request).forEachRemaining(responses::add);
    return new GenerateOutcome(responses);
  }
}
