package dev.varco.gateway.session;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The conversations of record: conversations, their items and the responses that answered them.
 * Each call is atomic: it happens whole or not at all, and once it returns the change survives a
 * restart of the gateway. Calls may block (disk, network): never call them on an event loop.
 *
 * <p>Every conversation and response belongs to the caller that created it ({@code owner}: the
 * name of an API key). Every call takes the caller, and another caller's conversation or response
 * is treated exactly as one that does not exist, so no edge can leak one by forgetting a check.
 *
 * <p>The operations are coarse on purpose (one call per API request, a whole turn in {@link
 * #recordTurn}), so an implementation over a network store such as Redis needs one round trip or
 * one transaction per call.
 */
public interface ConversationStore extends AutoCloseable {

  /** Creates a conversation of {@code owner} holding {@code items}, in order. */
  Conversation createConversation(String owner, Map<String, String> metadata, List<ConversationItem> items);

  Optional<Conversation> conversation(String owner, String id);

  /**
   * A page of the owner's conversations, newest first, after the conversation {@code after} (null:
   * from the newest). Throws {@link UnknownIdException} when {@code after} is not one of them.
   */
  ConversationPage conversations(String owner, String after, int limit);

  /** Deletes the conversation; returns false when there was none. Responses recorded in it stay readable. */
  boolean deleteConversation(String owner, String id);

  /** Replaces a conversation's metadata; empty when there is no such conversation. */
  Optional<Conversation> updateMetadata(String owner, String id, Map<String, String> metadata);

  /** One item of a conversation; empty when the conversation or the item is unknown. */
  Optional<ConversationItem> item(String owner, String conversationId, String itemId);

  /**
   * Removes an item from a conversation, so later turns no longer see it; returns false when the
   * conversation or the item is unknown. An item of a recorded response stays part of that
   * response's turn (for {@code previous_response_id}).
   */
  boolean deleteItem(String owner, String conversationId, String itemId);

  /** Appends items to a conversation; throws {@link UnknownIdException} when there is none. */
  void appendItems(String owner, String conversationId, List<ConversationItem> items);

  /**
   * A page of a conversation's items after the item {@code after} (null: from the start), oldest
   * first or, with {@code newestFirst}, newest first. Empty when there is no such conversation;
   * throws {@link UnknownIdException} when {@code after} is not one of its items.
   */
  Optional<ItemPage> items(String owner, String conversationId, String after, int limit, boolean newestFirst);

  /** All items of a conversation, oldest first; empty when there is no such conversation. */
  Optional<List<ConversationItem>> history(String owner, String conversationId);

  /**
   * The turns that lead to and include response {@code responseId} (following
   * previous_response_id back to the first), as items oldest first: each turn's input, then its
   * output. Empty when there is no such response.
   */
  Optional<List<ConversationItem>> responseChain(String owner, String responseId);

  /**
   * Records one answered turn of {@code owner}: its input items, the response and its output
   * items; also appended to the response's conversation when it has one. All or nothing: on any
   * failure nothing is recorded. Throws {@link UnknownIdException} when the conversation no longer
   * exists (or is not the owner's).
   */
  void recordTurn(String owner, TurnRecord turn);

  Optional<ResponseRecord> response(String owner, String id);

  /**
   * Marks a turn of the conversation as in progress, so a second turn started meanwhile (on this
   * gateway or, with a shared store, on another replica) is refused rather than answered without
   * seeing the first. Returns false when another turn holds the conversation. The mark lasts until
   * {@link #endTurn} or, should the gateway die mid-turn, until {@code lease} has passed.
   */
  boolean beginTurn(String conversationId, String responseId, Duration lease);

  /** Ends the turn {@code responseId} began; does nothing when it no longer holds the conversation. */
  void endTurn(String conversationId, String responseId);

  /**
   * Deletes what {@code retention} no longer keeps, as of now, at most {@code batch} conversations
   * or responses per transaction: conversations idle too long, then a key's least recently active
   * ones beyond its count (a conversation holding a turn is passed over); responses too old, then a
   * key's oldest beyond its count. With them go the items nothing else holds (an item of a response
   * stays while its conversation does, and the other way round) and the images no remaining item
   * refers to. Safe to run while turns are recorded, and from several gateways of one store.
   */
  Swept sweep(Retention retention, int batch);

  /** Checks that the store answers now (the readiness check); throws {@link StoreFailure} when it does not. */
  void ping();

  @Override
  void close();
}
