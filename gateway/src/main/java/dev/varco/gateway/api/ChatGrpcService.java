package dev.varco.gateway.api;

import com.google.protobuf.ByteString;
import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.ChatTurn;
import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.chat.Sampling;
import dev.varco.gateway.routing.Affinity;
import dev.varco.gateway.upstream.GenerationListener;
import dev.varco.gateway.upstream.GenerationListener.TokenLogprob;
import dev.varco.gateway.upstream.LanguageModelClient;
import dev.varco.gateway.upstream.ServedModel;
import dev.varco.gateway.upstream.UpstreamFailure;
import dev.varco.proto.chat.v1.AddItemsRequest;
import dev.varco.proto.chat.v1.AddItemsResponse;
import dev.varco.proto.chat.v1.ChatDone;
import dev.varco.proto.chat.v1.ChatGrpc;
import dev.varco.proto.chat.v1.ChatRequest;
import dev.varco.proto.chat.v1.ChatResponse;
import dev.varco.proto.chat.v1.ChatTokenLogprob;
import dev.varco.proto.chat.v1.Conversation;
import dev.varco.proto.chat.v1.ConversationItem;
import dev.varco.proto.chat.v1.CreateConversationRequest;
import dev.varco.proto.chat.v1.DeleteConversationRequest;
import dev.varco.proto.chat.v1.DeleteConversationResponse;
import dev.varco.proto.chat.v1.DeleteItemRequest;
import dev.varco.proto.chat.v1.GetConversationRequest;
import dev.varco.proto.chat.v1.GetItemRequest;
import dev.varco.proto.chat.v1.GetResponseRequest;
import dev.varco.proto.chat.v1.ListConversationsRequest;
import dev.varco.proto.chat.v1.ListConversationsResponse;
import dev.varco.proto.chat.v1.ListItemsRequest;
import dev.varco.proto.chat.v1.ListItemsResponse;
import dev.varco.proto.chat.v1.ListModelsRequest;
import dev.varco.proto.chat.v1.ListModelsResponse;
import dev.varco.proto.chat.v1.RecordedResponse;
import dev.varco.proto.chat.v1.RespondRequest;
import dev.varco.proto.chat.v1.UpdateConversationRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.quarkus.grpc.RegisterInterceptor;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * gRPC {@code varco.chat.v1.Chat}: the same turn as the REST API, for backend services, and the
 * same server-side conversations (the conversation and item RPCs are {@link GrpcConversations}',
 * {@code GetResponse} is {@link GrpcResponses}', {@code Respond} is {@link GrpcTurns}').
 */
@GrpcService
@RegisterInterceptor(ChatAccessInterceptor.class)
public class ChatGrpcService extends ChatGrpc.ChatImplBase {

  @Inject LanguageModelClient languageModel;
  @Inject io.vertx.core.Vertx vertx;
  @Inject StreamConfig streamConfig;
  @Inject ServedModel servedModel;
  @Inject ChatTurnRules rules;
  @Inject GatewayMetrics metrics;
  @Inject GrpcConversations conversations;
  @Inject GrpcTurns turns;
  @Inject GrpcResponses recorded;

  @Override
  public void complete(ChatRequest request, StreamObserver<ChatResponse> responses) {
    long arrived = System.nanoTime();
    String caller = GrpcCaller.current();
    ChatTurn turn;
    try {
      turn = toTurn(request);
      rules.check(turn);
    } catch (InvalidRequestException e) {
      // Text over the character caps is a context overflow: OUT_OF_RANGE, as llm-service's own.
      Status status = ChatTurnRules.CONTEXT_LENGTH_EXCEEDED.equals(e.code()) ? Status.OUT_OF_RANGE : Status.INVALID_ARGUMENT;
      metrics.error("grpc", status.getCode().name(), "invalid_request_error");
      responses.onError(status.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    PacedGrpcStream<ChatResponse> out = new PacedGrpcStream<>(responses, vertx, streamConfig, metrics, null);
    servedModel.describe().subscribe().with(description -> {
      if (!request.getModel().isEmpty() && !request.getModel().equals(description.getName())) {
        responses.onError(Status.NOT_FOUND.withDescription("the model '" + request.getModel()
            + "' does not exist; this server serves '" + description.getName() + "'").asRuntimeException());
        return;
      }
      Affinity affinity = Affinity.stateless(caller, turn);
      var generation = languageModel.generate(turn, UUID.randomUUID().toString(), caller, affinity, new GenerationListener() {
        private boolean firstTextSent;

        @Override
        public void onDelta(String text, List<TokenLogprob> logprobs) {
          if (!firstTextSent && !text.isEmpty()) {
            firstTextSent = true;
            metrics.firstToken("grpc", arrived);
          }
          out.send(ChatResponse.newBuilder().setDelta(text).addAllLogprobs(wireLogprobs(logprobs)).build());
        }

        @Override
        public void onCompletion(FinishReason finishReason, TokenUsage usage) {
          metrics.tokens("grpc", usage.promptTokens(), usage.completionTokens());
          out.send(ChatResponse.newBuilder().setDone(ChatDone.newBuilder()
              .setFinishReason(finishReason.openAiName())
              .setPromptTokens(usage.promptTokens())
              .setCompletionTokens(usage.completionTokens())
              .setCachedTokens(usage.cachedTokens())
              .setImageTokens(usage.imageTokens())).build());
          out.complete();
        }

        @Override
        public void onFailure(UpstreamFailure failure) {
          metrics.error("grpc", failure.grpcCode().name(), failure.errorType());
          out.fail(failure.toGrpc());
        }
      });
      out.attach(generation); // a client that cancels the call (even before this) cancels the generation
    }, failure -> {
      UpstreamFailure classified = UpstreamFailure.from(failure);
      responses.onError(classified.toGrpc());
    });
  }

  @Override
  public void listModels(ListModelsRequest request, StreamObserver<ListModelsResponse> responses) {
    servedModel.describe().subscribe().with(description -> {
      responses.onNext(ListModelsResponse.newBuilder().addModels(description.getName()).build());
      responses.onCompleted();
    }, failure -> {
      UpstreamFailure classified = UpstreamFailure.from(failure);
      responses.onError(classified.toGrpc());
    });
  }

  @Override
  public void createConversation(CreateConversationRequest request, StreamObserver<Conversation> responses) {
    conversations.create(request, responses);
  }

  @Override
  public void getConversation(GetConversationRequest request, StreamObserver<Conversation> responses) {
    conversations.get(request, responses);
  }

  @Override
  public void deleteConversation(DeleteConversationRequest request, StreamObserver<DeleteConversationResponse> responses) {
    conversations.delete(request, responses);
  }

  @Override
  public void listConversations(ListConversationsRequest request, StreamObserver<ListConversationsResponse> responses) {
    conversations.list(request, responses);
  }

  @Override
  public void listItems(ListItemsRequest request, StreamObserver<ListItemsResponse> responses) {
    conversations.listItems(request, responses);
  }

  @Override
  public void updateConversation(UpdateConversationRequest request, StreamObserver<Conversation> responses) {
    conversations.update(request, responses);
  }

  @Override
  public void addItems(AddItemsRequest request, StreamObserver<AddItemsResponse> responses) {
    conversations.addItems(request, responses);
  }

  @Override
  public void getItem(GetItemRequest request, StreamObserver<ConversationItem> responses) {
    conversations.getItem(request, responses);
  }

  @Override
  public void deleteItem(DeleteItemRequest request, StreamObserver<Conversation> responses) {
    conversations.deleteItem(request, responses);
  }

  @Override
  public void getResponse(GetResponseRequest request, StreamObserver<RecordedResponse> responses) {
    recorded.get(request, responses);
  }

  @Override
  public void respond(RespondRequest request, StreamObserver<ChatResponse> responses) {
    turns.respond(request, responses);
  }

  static ChatTurn toTurn(ChatRequest request) {
    List<ChatMessage> messages = new ArrayList<>();
    for (int i = 0; i < request.getMessagesCount(); i++) {
      var message = request.getMessages(i);
      ChatMessage.Role role = ChatMessage.Role.fromWireName(message.getRole());
      if (role == null) {
        throw new InvalidRequestException("messages[" + i + "].role", "messages[" + i + "].role '" + message.getRole()
            + "' is not supported: use 'system', 'user' or 'assistant'");
      }
      List<ChatPart> parts = new ArrayList<>();
      for (var part : message.getPartsList()) {
        switch (part.getPartCase()) {
          case TEXT -> parts.add(new ChatPart.Text(part.getText()));
          case IMAGE -> parts.add(new ChatPart.Image(part.getImage().toByteArray()));
          case PART_NOT_SET -> throw new InvalidRequestException("messages[" + i + "].parts",
              "messages[" + i + "].parts has a part with neither text nor image");
        }
      }
      messages.add(new ChatMessage(role, parts));
    }
    return new ChatTurn(messages, toSampling(request));
  }

  /** uint32 fields above 2^31 arrive as negative ints, which the rules refuse. */
  private static Sampling toSampling(ChatRequest request) {
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

  static List<ChatTokenLogprob> wireLogprobs(List<TokenLogprob> tokens) {
    List<ChatTokenLogprob> wire = new ArrayList<>(tokens.size());
    for (TokenLogprob token : tokens) {
      wire.add(ChatTokenLogprob.newBuilder()
          .setToken(token.token())
          .setBytes(ByteString.copyFrom(token.bytes()))
          .setLogprob((float) token.logprob())
          .addAllTopLogprobs(wireLogprobs(token.topLogprobs()))
          .build());
    }
    return wire;
  }
}
