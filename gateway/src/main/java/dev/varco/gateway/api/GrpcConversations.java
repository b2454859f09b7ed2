package dev.varco.gateway.api;

import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.session.ConversationPage;
import dev.varco.gateway.session.ConversationStore;
import dev.varco.gateway.session.ItemPage;
import dev.varco.gateway.session.UnknownIdException;
import dev.varco.proto.chat.v1.Conversation;
import dev.varco.proto.chat.v1.CreateConversationRequest;
import dev.varco.proto.chat.v1.DeleteConversationRequest;
import dev.varco.proto.chat.v1.DeleteConversationResponse;
import dev.varco.proto.chat.v1.GetConversationRequest;
import dev.varco.proto.chat.v1.ListConversationsRequest;
import dev.varco.proto.chat.v1.ListConversationsResponse;
import dev.varco.proto.chat.v1.ListItemsRequest;
import dev.varco.proto.chat.v1.ListItemsResponse;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.Callable;

/**
 * The conversation RPCs of gRPC {@code Chat}, the REST Conversations API's counterparts over the
 * same store: every call acts as the caller ({@link GrpcCaller}), so another caller's conversation
 * is NOT_FOUND. The store may block, so each call runs on a worker thread.
 */
@ApplicationScoped
class GrpcConversations {
  @Inject ConversationStore store;
  @Inject ChatTurnRules rules;
  @Inject GrpcErrors errors;
  @Inject Vertx vertx;

  void create(CreateConversationRequest request, StreamObserver<Conversation> responses) {
    String owner = GrpcCaller.current();
    blocking(responses, () -> toProto(store.createConversation(owner, GrpcItems.metadata(request.getMetadataMap()),
        new GrpcItems(rules.limits()).items(request.getItemsList()))));
  }

  void get(GetConversationRequest request, StreamObserver<Conversation> responses) {
    String owner = GrpcCaller.current();
    blocking(responses, () -> {
      String id = required(request.getConversationId());
      return toProto(store.conversation(owner, id).orElseThrow(() -> new UnknownIdException("conversation", id)));
    });
  }

  void delete(DeleteConversationRequest request, StreamObserver<DeleteConversationResponse> responses) {
    String owner = GrpcCaller.current();
    blocking(responses, () -> {
      String id = required(request.getConversationId());
      if (!store.deleteConversation(owner, id)) {
        throw new UnknownIdException("conversation", id);
      }
      return DeleteConversationResponse.newBuilder().setConversationId(id).setDeleted(true).build();
    });
  }

  /** The caller's conversations, newest first. */
  void list(ListConversationsRequest request, StreamObserver<ListConversationsResponse> responses) {
    String owner = GrpcCaller.current();
    blocking(responses, () -> {
      ConversationPage page = store.conversations(owner, emptyToNull(request.getAfter()), limit(request.getLimit()));
      var out = ListConversationsResponse.newBuilder().setHasMore(page.hasMore());
      page.conversations().forEach(conversation -> out.addConversations(toProto(conversation)));
      return out.build();
    });
  }

  void listItems(ListItemsRequest request, StreamObserver<ListItemsResponse> responses) {
    String owner = GrpcCaller.current();
    blocking(responses, () -> {
      String id = required(request.getConversationId());
      boolean newestFirst = switch (request.getOrder()) {
        case ITEM_ORDER_UNSPECIFIED, ITEM_ORDER_DESC -> true;
        case ITEM_ORDER_ASC -> false;
        case UNRECOGNIZED -> throw new InvalidRequestException("order", "order must be ITEM_ORDER_ASC or ITEM_ORDER_DESC");
      };
      int limit = limit(request.getLimit());
      ItemPage page = store.items(owner, id, emptyToNull(request.getAfter()), limit, newestFirst)
          .orElseThrow(() -> new UnknownIdException("conversation", id));
      var out = ListItemsResponse.newBuilder().setHasMore(page.hasMore());
      page.items().forEach(item -> out.addItems(GrpcItems.toProto(item)));
      return out.build();
    });
  }

  private <T> void blocking(StreamObserver<T> responses, Callable<T> work) {
    vertx.executeBlocking(work, false).onComplete(done -> {
      if (done.succeeded()) {
        responses.onNext(done.result());
        responses.onCompleted();
      } else {
        responses.onError(errors.of(done.cause()));
      }
    });
  }

  private static Conversation toProto(dev.varco.gateway.session.Conversation conversation) {
    return Conversation.newBuilder().setId(conversation.id()).setCreatedAt(conversation.createdAt())
        .putAllMetadata(conversation.metadata()).build();
  }

  private static String required(String conversationId) {
    if (conversationId.isEmpty()) {
      throw new InvalidRequestException("conversation_id", "conversation_id is required");
    }
    return conversationId;
  }

  /** 0 = the REST default (20); uint32 values past 2^31 arrive negative and are refused. */
  private static int limit(int limit) {
    if (limit == 0) {
      return ConversationRoutes.DEFAULT_ITEM_LIMIT;
    }
    if (limit < 1 || limit > ConversationRoutes.MAX_ITEM_LIMIT) {
      throw new InvalidRequestException("limit", "limit must be between 1 and " + ConversationRoutes.MAX_ITEM_LIMIT);
    }
    return limit;
  }

  private static String emptyToNull(String value) {
    return value.isEmpty() ? null : value;
  }
}
