package dev.varco.gateway.api;

import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.chat.Sampling;
import dev.varco.gateway.session.ConversationTurns;
import dev.varco.gateway.session.PendingTurn;
import dev.varco.gateway.session.ResponseRecord;
import dev.varco.gateway.session.TurnListener;
import dev.varco.gateway.session.TurnRequest;
import dev.varco.gateway.upstream.GenerationListener.FinishReason;
import dev.varco.gateway.upstream.GenerationListener.TokenLogprob;
import dev.varco.gateway.upstream.ServedModel;
import dev.varco.gateway.upstream.UpstreamFailure;
import dev.varco.proto.chat.v1.ChatDone;
import dev.varco.proto.chat.v1.ChatResponse;
import dev.varco.proto.chat.v1.RespondRequest;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * gRPC {@code Chat/Respond}: maps a {@code RespondRequest} to a turn of {@link ConversationTurns}
 * (the same engine as {@code POST /v1/responses}) and its answer to the stream {@code Complete}
 * sends, whose {@code ChatDone} names the recorded response and its conversation.
 */
@ApplicationScoped
class GrpcTurns {
  @Inject ConversationTurns turns;
  @Inject ServedModel servedModel;
  @Inject ChatTurnRules rules;
  @Inject GrpcErrors errors;
  @Inject GatewayMetrics metrics;
  @Inject Vertx vertx;
  @Inject StreamConfig streamConfig;

  void respond(RespondRequest request, StreamObserver<ChatResponse> responses) {
    long arrived = System.nanoTime();
    String owner = GrpcCaller.current();
    TurnRequest turn;
    String idempotencyKey;
    try {
      turn = toTurn(request);
      idempotencyKey = IdempotencyKey.read(GrpcCaller.IDEMPOTENCY_KEY.get());
    } catch (InvalidRequestException e) {
      responses.onError(errors.of(e));
      return;
    }
    // The client may cancel at any point: before the turn began, while the model is described, or mid-answer.
    AtomicReference<PendingTurn> begun = new AtomicReference<>();
    AtomicBoolean cancelled = new AtomicBoolean();
    PacedGrpcStream<ChatResponse> out = new PacedGrpcStream<>(responses, vertx, streamConfig, metrics, () -> {
      cancelled.set(true);
      PendingTurn pending = begun.get();
      if (pending != null) {
        pending.cancel();
      }
    });
    vertx.executeBlocking(() -> turns.begin(owner, turn, turn.store() ? idempotencyKey : null), false).onComplete(started -> {
      if (started.failed()) {
        responses.onError(errors.of(started.cause()));
        return;
      }
      PendingTurn pending = started.result();
      begun.set(pending);
      if (cancelled.get()) {
        pending.cancel();
        return;
      }
      servedModel.describe().subscribe().with(description -> {
        if (!request.getModel().isEmpty() && !request.getModel().equals(description.getName())) {
          pending.release().onComplete(freed -> responses.onError(errors.notFound("the model '" + request.getModel()
              + "' does not exist; this server serves '" + description.getName() + "'")));
          return;
        }
        pending.generate(description.getName(), UUID.randomUUID().toString(), new Answer(out, arrived, turn.store()));
        out.attach(pending.control());
      }, failure -> {
        pending.release().onComplete(freed -> responses.onError(errors.of(UpstreamFailure.from(failure))));
      });
    });
  }

  /** Both ids set is refused naming conversation_id, as REST names conversation. */
  TurnRequest toTurn(RespondRequest request) {
    String conversationId = request.getConversationId().isEmpty() ? null : request.getConversationId();
    String previousResponseId = request.getPreviousResponseId().isEmpty() ? null : request.getPreviousResponseId();
    if (conversationId != null && previousResponseId != null) {
      throw new InvalidRequestException("conversation_id",
          "conversation_id and previous_response_id cannot both be given: a turn continues one or the other");
    }
    return new TurnRequest(List.of(new GrpcItems(rules.limits()).input(request.getInputList())),
        request.hasInstructions() ? request.getInstructions() : null, conversationId, previousResponseId,
        sampling(request), !request.hasStore() || request.getStore(), GrpcItems.metadata(request.getMetadataMap()));
  }

  /** The same controls as ChatRequest's, field for field; uint32 values past 2^31 arrive negative and are refused. */
  private static Sampling sampling(RespondRequest request) {
    return new Sampling(
        request.getTemperature(),
        request.getMaxTokens(),
        request.hasSeed() ? OptionalLong.of(request.getSeed()) : OptionalLong.empty(),
        request.hasTopP() ? OptionalDouble.of(request.getTopP()) : OptionalDouble.empty(),
        request.getTopK(),
        request.getMinP(),
        request.hasRepetitionPenalty() ? OptionalDouble.of(request.getRepetitionPenalty()) : OptionalDouble.empty(),
        request.getPresencePenalty(),
        request.getFrequencyPenalty(),
        request.getStopList(),
        request.getLogprobs(),
        request.getTopLogprobs());
  }

  /** Streams one turn's answer as deltas, then a ChatDone naming what was recorded. */
  private final class Answer implements TurnListener {
    private final PacedGrpcStream<ChatResponse> responses;
    private final long arrived;
    private final boolean stored;
    private boolean firstTextSent;

    Answer(PacedGrpcStream<ChatResponse> responses, long arrived, boolean stored) {
      this.responses = responses;
      this.arrived = arrived;
      this.stored = stored;
    }

    @Override
    public void onDelta(String text, List<TokenLogprob> logprobs) {
      if (!firstTextSent && !text.isEmpty()) {
        firstTextSent = true;
        metrics.firstToken("grpc", arrived);
      }
      responses.send(ChatResponse.newBuilder().setDelta(text).addAllLogprobs(ChatGrpcService.wireLogprobs(logprobs))
          .build());
    }

    @Override
    public void onCompleted(ResponseRecord response, FinishReason finishReason) {
      ResponseRecord.Usage usage = response.usage();
      metrics.tokens("grpc", usage.inputTokens(), usage.outputTokens());
      ChatDone.Builder done = ChatDone.newBuilder()
          .setFinishReason(finishReason.openAiName())
          .setPromptTokens(usage.inputTokens())
          .setCompletionTokens(usage.outputTokens())
          .setCachedTokens(usage.cachedTokens())
          .setImageTokens(usage.imageTokens());
      if (response.conversationId() != null) {
        done.setConversationId(response.conversationId());
      }
      // With store = false nothing was recorded, so there is no id to continue from.
      if (stored) {
        done.setResponseId(response.id());
      }
      responses.send(ChatResponse.newBuilder().setDone(done).build());
      responses.complete();
    }

    @Override
    public void onFailure(UpstreamFailure failure) {
      responses.fail(errors.of(failure));
    }

    @Override
    public void onNotRecorded(RuntimeException cause) {
      responses.fail(errors.of(cause));
    }
  }
}
