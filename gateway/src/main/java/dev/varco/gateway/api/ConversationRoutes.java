package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.session.Conversation;
import dev.varco.gateway.session.ConversationItem;
import dev.varco.gateway.session.ConversationPage;
import dev.varco.gateway.session.ConversationStore;
import dev.varco.gateway.session.ItemPage;
import dev.varco.gateway.session.UnknownIdException;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * OpenAI's Conversations API over the conversation store: create, retrieve, update (metadata)
 * and delete a conversation; add, list, retrieve and delete its items; and, as an extension
 * (OpenAI has none), list the caller's conversations. Every conversation belongs to the caller
 * that created it: for another caller it does not exist (404). Every handler touches the store,
 * so all run on worker threads.
 */
@ApplicationScoped
public class ConversationRoutes {
  static final int DEFAULT_ITEM_LIMIT = 20;
  static final int MAX_ITEM_LIMIT = 100;

  @Inject ChatTurnRules rules;
  @Inject ObjectMapper json;
  @Inject ConversationStore store;
  @Inject OpenAiRoutes edge;

  void register(@Observes Router router) {
    router.post("/v1/conversations").blockingHandler(this::create, false).failureHandler(edge::failure);
    router.get("/v1/conversations").blockingHandler(this::list, false).failureHandler(edge::failure);
    router.get("/v1/conversations/:id").blockingHandler(this::retrieve, false).failureHandler(edge::failure);
    router.post("/v1/conversations/:id").blockingHandler(this::update, false)
        .failureHandler(edge::failure);
    router.delete("/v1/conversations/:id").blockingHandler(this::delete, false).failureHandler(edge::failure);
    router.post("/v1/conversations/:id/items").blockingHandler(this::addItems, false)
        .failureHandler(edge::failure);
    router.get("/v1/conversations/:id/items").blockingHandler(this::listItems, false).failureHandler(edge::failure);
    router.get("/v1/conversations/:id/items/:item").blockingHandler(this::retrieveItem, false)
        .failureHandler(edge::failure);
    router.delete("/v1/conversations/:id/items/:item").blockingHandler(this::deleteItem, false)
        .failureHandler(edge::failure);
  }

  private void create(RoutingContext ctx) {
    OpenAiRoutes.requestId(ctx);
    JsonNode body = edge.readBody(ctx);
    if (body == null) {
      return;
    }
    ResponsesRequestParser.NewConversation request;
    try {
      request = new ResponsesRequestParser(rules.limits()).parseConversationCreate(body);
    } catch (InvalidRequestException e) {
      edge.invalid(ctx, e);
      return;
    }
    send(ctx, new ResponsesJson(json).conversation(
        store.createConversation(AccessFilter.caller(ctx), request.metadata(), request.items())));
  }

  /** The caller's conversations, newest first; query {@code limit} (1..100, default 20) and {@code after}. */
  private void list(RoutingContext ctx) {
    OpenAiRoutes.requestId(ctx);
    String after = ctx.queryParams().get("after");
    ConversationPage page;
    try {
      page = store.conversations(AccessFilter.caller(ctx), after, limit(ctx.queryParams().get("limit")));
    } catch (InvalidRequestException e) {
      edge.invalid(ctx, e);
      return;
    } catch (UnknownIdException e) {
      edge.notFound(ctx, "no conversation with id '" + after + "' found", "after");
      return;
    }
    send(ctx, new ResponsesJson(json).conversationList(page.conversations(), page.hasMore()));
  }

  private void retrieve(RoutingContext ctx) {
    OpenAiRoutes.requestId(ctx);
    Optional<Conversation> conversation = store.conversation(AccessFilter.caller(ctx), ctx.pathParam("id"));
    if (conversation.isEmpty()) {
      notFound(ctx);
      return;
    }
    send(ctx, new ResponsesJson(json).conversation(conversation.get()));
  }

  /** Replaces the metadata; answers the conversation. */
  private void update(RoutingContext ctx) {
    OpenAiRoutes.requestId(ctx);
    JsonNode body = edge.readBody(ctx);
    if (body == null) {
      return;
    }
    Map<String, String> metadata;
    try {
      metadata = new ResponsesRequestParser(rules.limits()).parseConversationUpdate(body);
    } catch (InvalidRequestException e) {
      edge.invalid(ctx, e);
      return;
    }
    store.updateMetadata(AccessFilter.caller(ctx), ctx.pathParam("id"), metadata).ifPresentOrElse(
        conversation -> send(ctx, new ResponsesJson(json).conversation(conversation)), () -> notFound(ctx));
  }

  private void retrieveItem(RoutingContext ctx) {
    OpenAiRoutes.requestId(ctx);
    store.item(AccessFilter.caller(ctx), ctx.pathParam("id"), ctx.pathParam("item")).ifPresentOrElse(
        item -> send(ctx, new ResponsesJson(json).item(item, "completed")), () -> itemNotFound(ctx));
  }

  /** Removes the item from the conversation; answers the conversation, as OpenAI does. */
  private void deleteItem(RoutingContext ctx) {
    OpenAiRoutes.requestId(ctx);
    String owner = AccessFilter.caller(ctx);
    if (!store.deleteItem(owner, ctx.pathParam("id"), ctx.pathParam("item"))) {
      itemNotFound(ctx);
      return;
    }
    store.conversation(owner, ctx.pathParam("id")).ifPresentOrElse(
        conversation -> send(ctx, new ResponsesJson(json).conversation(conversation)), () -> notFound(ctx));
  }

  private void itemNotFound(RoutingContext ctx) {
    edge.notFound(ctx, "no item with id '" + ctx.pathParam("item") + "' in conversation '" + ctx.pathParam("id") + "'",
        null);
  }

  private void delete(RoutingContext ctx) {
    OpenAiRoutes.requestId(ctx);
    String id = ctx.pathParam("id");
    if (!store.deleteConversation(AccessFilter.caller(ctx), id)) {
      notFound(ctx);
      return;
    }
    send(ctx, new ResponsesJson(json).conversationDeleted(id));
  }

  private void addItems(RoutingContext ctx) {
    OpenAiRoutes.requestId(ctx);
    JsonNode body = edge.readBody(ctx);
    if (body == null) {
      return;
    }
    List<ConversationItem> items;
    try {
      items = new ResponsesRequestParser(rules.limits()).parseItemsAdd(body);
      store.appendItems(AccessFilter.caller(ctx), ctx.pathParam("id"), items);
    } catch (InvalidRequestException e) {
      edge.invalid(ctx, e);
      return;
    } catch (UnknownIdException e) {
      notFound(ctx);
      return;
    }
    send(ctx, new ResponsesJson(json).itemList(items, false));
  }

  /** Query parameters {@code limit} (1..100, default 20), {@code order} ({@code desc} default, {@code asc}), {@code after}. */
  private void listItems(RoutingContext ctx) {
    OpenAiRoutes.requestId(ctx);
    int limit;
    boolean newestFirst;
    String after = ctx.queryParams().get("after");
    try {
      limit = limit(ctx.queryParams().get("limit"));
      String order = ctx.queryParams().get("order");
      if (order != null && !order.equals("asc") && !order.equals("desc")) {
        throw new InvalidRequestException("order", "order must be 'asc' or 'desc'");
      }
      newestFirst = !"asc".equals(order);
    } catch (InvalidRequestException e) {
      edge.invalid(ctx, e);
      return;
    }
    Optional<ItemPage> page;
    try {
      page = store.items(AccessFilter.caller(ctx), ctx.pathParam("id"), after, limit, newestFirst);
    } catch (UnknownIdException e) {
      edge.notFound(ctx, "no item with id '" + after + "' in this conversation", "after");
      return;
    }
    if (page.isEmpty()) {
      notFound(ctx);
      return;
    }
    send(ctx, new ResponsesJson(json).itemList(page.get().items(), page.get().hasMore()));
  }

  private static int limit(String value) {
    if (value == null) {
      return DEFAULT_ITEM_LIMIT;
    }
    try {
      int limit = Integer.parseInt(value);
      if (limit >= 1 && limit <= MAX_ITEM_LIMIT) {
        return limit;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new InvalidRequestException("limit", "limit must be an integer between 1 and " + MAX_ITEM_LIMIT);
  }

  private void notFound(RoutingContext ctx) {
    edge.notFound(ctx, "no conversation with id '" + ctx.pathParam("id") + "' found", null);
  }

  private static void send(RoutingContext ctx, JsonNode body) {
    ctx.response().putHeader("Content-Type", "application/json").end(body.toString());
  }
}
