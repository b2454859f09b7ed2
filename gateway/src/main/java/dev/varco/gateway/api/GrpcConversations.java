package dev.varco.gateway.api;

import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.session.ConversationPage;
import dev.varco.gateway.session.ConversationStore;
import dev.varco.gateway.session.ItemPage;
import dev.varco.gateway.session.UnknownIdException;
import dev.varco.proto.chat.v1.AddItemsRequest;
import dev.varco.proto.chat.v1.AddItemsResponse;
import dev.varco.proto.chat.v1.Conversation;
import dev.varco.proto.chat.v1.CreateConversationRequest;
import dev.varco.proto.chat.v1.DeleteConversationRequest;
import dev.varco.proto.chat.v1.DeleteConversationResponse;
import dev.varco.proto.chat.v1.DeleteItemRequest;
import dev.varco.proto.chat.v1.GetConversationRequest;
import dev.varco.proto.chat.v1.GetItemRequest;
import dev.varco.proto.chat.v1.ListConversationsRequest;
import dev.varco.proto.chat.v1.ListConversationsResponse;
import dev.varco.proto.chat.v1.ListItemsRequest;
import dev.varco.proto.chat.v1.ListItemsResponse;
import dev.varco.proto.chat.v1.UpdateConversationRequest;
import io.grpc.stub.StreamObserver;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;

/**
 * The conversation RPCs of gRPC {@code Chat}, the REST Conversations API's counterparts over the
 * same store: every call acts as the caller ({@link GrpcCaller}), so another caller's conversation
 * is NOT_FOUND. The store may block, so each call runs on a worker thread ({@link GrpcBlocking}).
 */
@ApplicationScoped
class GrpcConversations {
  @Inject ConversationStore store;
  @Inject ChatTurnRules rules;
  @Inject GrpcBlocking blocking;

  void create(CreateConversationRequest request, StreamObserver<Conversation> responses) {
    String owner = GrpcCaller.current();
    blocking.answer(responses, () -> toProto(store.createConversation(owner,
        GrpcItems.metadata(request.getMetadataMap()),
        new GrpcItems(rules.limits()).items(request.getItemsList()))));
  }

  void get(GetConversationRequest request, StreamObserver<Conversation> responses) {
    String owner = GrpcCaller.current();
    blocking.answer(responses, () -> {
      String id = required("conversation_id", request.getConversationId());
      return toProto(store.conversation(owner, id).orElseThrow(() -> new UnknownIdException("conversation", id)));
    });
  }

  void delete(DeleteConversationRequest request, StreamObserver<DeleteConversationResponse> responses) {
    String owner = GrpcCaller.current();
    blocking.answer(responses, () -> {
      String id = required("conversation_id", request.getConversationId());
      if (!store.deleteConversation(owner, id)) {
        throw new UnknownIdException("conversation", id);
      }
      return DeleteConversationResponse.newBuilder().setConversationId(id).setDeleted(true).build();
    });
  }

  /** The caller's conversations, newest first. */
  void list(ListConversationsRequest request, StreamObserver<ListConversationsResponse> responses) {
    String owner = GrpcCaller.current();
    blocking.answer(responses, () -> {
      ConversationPage page = store.conversations(owner, emptyToNull(request.getAfter()), limit(request.getLimit()));
      var out = ListConversationsResponse.newBuilder().setHasMore(page.hasMore());
      page.conversations().forEach(conversation -> out.addConversations(toProto(conversation)));
      return out.build();
    });
  }

  void listItems(ListItemsRequest request, StreamObserver<ListItemsResponse> responses) {
    String owner = GrpcCaller.current();
    blocking.answer(responses, () -> {
      String id = required("conversation_id", request.getConversationId());
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

  /** Replaces the metadata, as {@code POST /v1/conversations/{id}}. */
  void update(UpdateConversationRequest request, StreamObserver<Conversation> responses) {
    String owner = GrpcCaller.current();
    blocking.answer(responses, () -> {
      String id = required("conversation_id", request.getConversationId());
      return toProto(store.updateMetadata(owner, id, GrpcItems.metadata(request.getMetadataMap()))
          .orElseThrow(() -> new UnknownIdException("conversation", id)));
    });
  }

  /** Appends items; answers them with their ids, as {@code POST /v1/conversations/{id}/items}. */
  void addItems(AddItemsRequest request, StreamObserver<AddItemsResponse> responses) {
    String owner = GrpcCaller.current();
    blocking.answer(responses, () -> {
      String id = required("conversation_id", request.getConversationId());
      if (request.getItemsCount() == 0) {
        throw new InvalidRequestException("items", "items must hold at least one message");
      }
      List<dev.varco.gateway.session.ConversationItem> items =
          new GrpcItems(rules.limits()).items(request.getItemsList());
      store.appendItems(owner, id, items);
      var out = AddItemsResponse.newBuilder();
      items.forEach(item -> out.addItems(GrpcItems.toProto(item)));
      return out.build();
    });
  }

  void getItem(GetItemRequest request, StreamObserver<dev.varco.proto.chat.v1.ConversationItem> responses) {
    String owner = GrpcCaller.current();
    blocking.answer(responses, () -> {
      String id = required("conversation_id", request.getConversationId());
      String itemId = required("item_id", request.getItemId());
      return GrpcItems.toProto(store.item(owner, id, itemId).orElseThrow(() -> new UnknownIdException("item", itemId)));
    });
  }

  /** Removes the item; answers the conversation, as REST (and OpenAI) do. */
  void deleteItem(DeleteItemRequest request, StreamObserver<Conversation> responses) {
    String owner = GrpcCaller.current();
    blocking.answer(responses, () -> {
      String id = required("conversation_id", request.getConversationId());
      String itemId = required("item_id", request.getItemId());
      if (!store.deleteItem(owner, id, itemId)) {
        throw new UnknownIdException("item", itemId);
      }
      return toProto(store.conversation(owner, id).orElseThrow(() -> new UnknownIdException("conversation", id)));
    });
  }

  private static Conversation toProto(dev.varco.gateway.session.Conversation conversation) {
    return Conversation.newBuilder().setId(conversation.id()).setCreatedAt(conversation.createdAt())
        .putAllMetadata(conversation.metadata()).build();
  }

  private static String required(String field, String value) {
    if (value.isEmpty()) {
      throw new InvalidRequestException(field, field + " is required");
    }
    return value;
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
