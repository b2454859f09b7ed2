package dev.varco.llm.api;

import com.google.protobuf.ByteString;
import dev.varco.llm.config.LlmServiceConfig;
import dev.varco.llm.engine.BackendUnavailableException;
import dev.varco.llm.engine.GenerationEngine;
import dev.varco.llm.engine.GenerationRequest;
import dev.varco.llm.engine.GenerationSink;
import dev.varco.llm.engine.GenerationTicket;
import dev.varco.llm.engine.LoadedModel;
import dev.varco.llm.engine.TokenLogprob;
import dev.varco.llm.model.GenerationResult;
import dev.varco.proto.llm.v1.Completion;
import dev.varco.proto.llm.v1.DescribeModelRequest;
import dev.varco.proto.llm.v1.FinishReason;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.LanguageModel;
import dev.varco.proto.llm.v1.ModelDescription;
import dev.varco.proto.llm.v1.TextDelta;
import dev.varco.proto.llm.v1.Usage;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.inject.Inject;
import java.util.List;

/**
 * The gRPC edge: validates, hands the request to the engine and relays its output as a stream of
 * deltas then one Completion. Nothing here blocks: the engine works on its own threads, so this
 * runs fine on the gRPC event loop. Cancelling the call cancels the generation.
 */
@GrpcService
public class LanguageModelService implements LanguageModel {
  @Inject GenerationEngine engine;
  @Inject LlmServiceConfig config;

  @Override
  public Multi<GenerateResponse> generate(GenerateRequest request) {
    GenerationRequest parsed;
    try {
      parsed = new GenerateRequestReader(config.llm().maxImages()).read(request);
    } catch (RuntimeException e) {
      return Multi.createFrom().failure(GrpcErrors.toStatus(e, request.getRequestId()));
    }
    return Multi.createFrom().emitter(emitter -> {
      GenerationTicket ticket = new GenerationTicket();
      emitter.onTermination(ticket::cancel);
      try {
        engine.submit(parsed, new EmitterSink(emitter, request.getRequestId()), ticket);
      } catch (RuntimeException e) {
        emitter.fail(GrpcErrors.toStatus(e, request.getRequestId()));
      }
    });
  }

  @Override
  public Uni<ModelDescription> describeModel(DescribeModelRequest request) {
    if (engine.state() != GenerationEngine.State.READY) {
      return Uni.createFrom().failure(GrpcErrors.toStatus(
          new BackendUnavailableException("the model is not loaded (" + engine.state() + ")", null), ""));
    }
    LoadedModel model = engine.model();
    return Uni.createFrom().item(ModelDescription.newBuilder()
        .setName(model.manifest().name())
        .setContextLength(model.contextLength())
        .setCreated(engine.loadedAt().getEpochSecond())
        .setMaxRunningRequests(config.llm().maxRunningRequests())
        .build());
  }

  /** Relays engine events to the gRPC stream. */
  private record EmitterSink(MultiEmitter<? super GenerateResponse> emitter, String requestId) implements GenerationSink {
    @Override
    public void delta(String text, int tokenCount, List<TokenLogprob> logprobs) {
      TextDelta.Builder delta = TextDelta.newBuilder().setText(text).setTokenCount(tokenCount);
      logprobs.forEach(l -> delta.addLogprobs(toProto(l)));
      emitter.emit(GenerateResponse.newBuilder().setDelta(delta).build());
    }

    private static dev.varco.proto.llm.v1.TokenLogprob toProto(TokenLogprob logprob) {
      var proto = dev.varco.proto.llm.v1.TokenLogprob.newBuilder()
          .setTokenId(logprob.tokenId())
          .setToken(logprob.token())
          .setBytes(ByteString.copyFrom(logprob.bytes()))
          .setLogprob(logprob.logprob());
      logprob.top().forEach(t -> proto.addTopLogprobs(toProto(t)));
      return proto.build();
    }

    @Override
    public void completed(GenerationResult result) {
      FinishReason reason =
          switch (result.finishReason()) {
            case STOP -> FinishReason.FINISH_REASON_STOP;
            case LENGTH -> FinishReason.FINISH_REASON_LENGTH;
            case CANCELLED -> FinishReason.FINISH_REASON_UNSPECIFIED;
          };
      emitter.emit(GenerateResponse.newBuilder()
          .setCompletion(Completion.newBuilder()
              .setFinishReason(reason)
              .setUsage(Usage.newBuilder()
                  .setPromptTokens(result.promptTokens())
                  .setCompletionTokens(result.completionTokens())
                  .setImageTokens(result.imageTokens())
                  .setCachedPromptTokens(result.cachedPromptTokens())))
          .build());
      emitter.complete();
    }

    @Override
    public void failed(RuntimeException error) {
      emitter.fail(GrpcErrors.toStatus(error, requestId));
    }
  }
}
