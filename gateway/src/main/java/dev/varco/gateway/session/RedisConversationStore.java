package dev.varco.gateway.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.gateway.chat.ChatMessage;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import io.vertx.mutiny.redis.client.Response;
import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.CompletionException;

/**
 * The shared store: conversations in one Redis, so several gateway replicas serve the same
 * conversations and a turn held on one replica is refused on the others. Every call that writes
 * is one Lua script (resources {@code redis/*.lua}), which Redis runs as one atomic step: the
 * owner and existence checks and all the writes happen together or, when a check fails, not at
 * all (the scripts check everything before their first write, as Redis does not roll a script
 * back). Reads of several keys are scripts too, so they see one consistent state.
 *
 * <p>Layout, every key under the deployment's prefix {@code P} ({@code varco:} by default):
 *
 * <ul>
 *   <li>{@code P conv:<id>}: hash {@code owner}, {@code created_at} (epoch seconds), {@code
 *       metadata} (JSON), {@code seq} (the last item sequence number).
 *   <li>{@code P conv:<id>:items}: sorted set of the conversation's item ids, scored by {@code
 *       seq}: the order items were added.
 *   <li>{@code P owner:<owner>:conversations}: sorted set of the owner's conversation ids scored by
 *       {@code created_at}; {@code ZREVRANGE} lists them newest first with ties by id descending,
 *       the embedded store's order.
 *   <li>{@code P item:<id>}: hash {@code data} (JSON: role, created_at, content; images by
 *       SHA-256 and media type) and, for an item of a recorded turn, {@code response}.
 *   <li>{@code P image:<sha256>}: the image's bytes, once however many items carry it.
 *   <li>{@code P resp:<id>}: hash {@code owner}, {@code data} (JSON of the record's fields),
 *       {@code previous} (id or empty), {@code items} (the turn's input then output item ids) and
 *       {@code output}.
 *   <li>{@code P turn:<conversation id>}: the response holding the conversation, with a TTL.
 * </ul>
 *
 * <p>Retention (read by {@link #sweep}): {@code P conversations:active} and {@code P
 * owner:<owner>:active} score conversations by their last write, {@code P responses:created} and
 * {@code P owner:<owner>:responses} score responses by creation, {@code P owners} lists the owners
 * the count limits walk, and {@code P image:<sha256>:items} is the set of item ids referring to an
 * image, which is deleted with the last of them.
 *
 * <p>Deleting a conversation deletes its items that belong to no response; the items of its
 * responses stay, so those responses (and {@code previous_response_id} chains) stay readable, as
 * in the embedded store; deleting a response deletes its items no live conversation holds.
 * Durability is Redis' own: run it with {@code appendonly yes}.
 */
public final class RedisConversationStore implements ConversationStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Longest previous_response_id chain followed; a guard against a cycle in damaged data. */
  private static final int MAX_CHAIN = 100_000;

  private static final RedisScript CREATE_CONVERSATION = RedisScript.load("create-conversation");
  private static final RedisScript APPEND_ITEMS = RedisScript.load("append-items");
  private static final RedisScript RECORD_TURN = RedisScript.load("record-turn");
  private static final RedisScript DELETE_CONVERSATION = RedisScript.load("delete-conversation");
  private static final RedisScript DELETE_ITEM = RedisScript.load("delete-item");
  private static final RedisScript UPDATE_METADATA = RedisScript.load("update-metadata");
  private static final RedisScript CONVERSATIONS = RedisScript.load("conversations");
  private static final RedisScript ITEMS = RedisScript.load("items");
  private static final RedisScript ITEM = RedisScript.load("item");
  private static final RedisScript RESPONSE = RedisScript.load("response");
  private static final RedisScript RESPONSE_CHAIN = RedisScript.load("response-chain");
  private static final RedisScript END_TURN = RedisScript.load("end-turn");
  private static final RedisScript EXPIRE_CONVERSATIONS = RedisScript.load("expire-conversations");
  private static final RedisScript TRIM_CONVERSATIONS = RedisScript.load("trim-conversations");
  private static final RedisScript EXPIRE_RESPONSES = RedisScript.load("expire-responses");
  private static final RedisScript TRIM_RESPONSES = RedisScript.load("trim-responses");
  /** A script's answer when an image it was not sent is no longer stored: send them all and run it again. */
  private static final long IMAGE_MISSING = -2;

  private final Redis redis;
  private final String prefix;
  private final Duration timeout;
  private final String where;
  private final Runnable onClose;
  private final InstantSource clock;

  /**
   * A store over {@code redis}.
   *
   * @param prefix of every key, so several deployments can share one Redis
   * @param timeout longest wait for one call's answer
   * @param where the Redis in words, for error messages (no credentials)
   * @param onClose what {@link #close()} does besides (closing a client the store owns)
   */
  public RedisConversationStore(Redis redis, String prefix, Duration timeout, String where, Runnable onClose) {
    this(redis, prefix, timeout, where, onClose, InstantSource.system());
  }

  /** As the other constructor, with the clock that times conversations and responses for retention. */
  RedisConversationStore(Redis redis, String prefix, Duration timeout, String where, Runnable onClose,
      InstantSource clock) {
    this.clock = clock;
    this.redis = redis;
    this.prefix = prefix;
    this.timeout = timeout;
    this.where = where;
    this.onClose = onClose;
  }

  @Override
  public Conversation createConversation(String owner, Map<String, String> metadata, List<ConversationItem> items) {
    Conversation conversation = new Conversation(SessionIds.conversation(), now(), metadata);
    long result = evalWithItems(CREATE_CONVERSATION, args(owner, conversation.id(), conversation.createdAt(),
        toJson(metadata)), items);
    if (result != 1) {
      throw new StoreFailure("an id of the new conversation is already taken", null);
    }
    return conversation;
  }

  @Override
  public Optional<Conversation> conversation(String owner, String id) {
    Response fields = send(Request.cmd(Command.HMGET).arg(prefix + "conv:" + id).arg("owner").arg("created_at")
        .arg("metadata"));
    if (fields.get(0) == null || !owner.equals(fields.get(0).toString())) {
      return Optional.empty();
    }
    return Optional.of(new Conversation(id, fields.get(1).toLong(), metadata(fields.get(2).toString())));
  }

  @Override
  public ConversationPage conversations(String owner, String after, int limit) {
    Response result = eval(CONVERSATIONS, args(owner, after == null ? "" : after, limit + 1));
    if (result.get(0).toLong() == 0) {
      throw new UnknownIdException("conversation", after);
    }
    List<Conversation> page = new ArrayList<>();
    for (int i = 1; i < result.size(); i += 3) {
      page.add(new Conversation(result.get(i).toString(), result.get(i + 1).toLong(),
          metadata(result.get(i + 2).toString())));
    }
    boolean hasMore = page.size() > limit;
    return new ConversationPage(page.subList(0, Math.min(limit, page.size())), hasMore);
  }

  @Override
  public boolean deleteConversation(String owner, String id) {
    return eval(DELETE_CONVERSATION, args(owner, id)).toLong() == 1;
  }

  @Override
  public Optional<Conversation> updateMetadata(String owner, String id, Map<String, String> metadata) {
    Response createdAt = eval(UPDATE_METADATA, args(owner, id, toJson(metadata), now()));
    return createdAt == null ? Optional.empty() : Optional.of(new Conversation(id, createdAt.toLong(), metadata));
  }

  @Override
  public Optional<ConversationItem> item(String owner, String conversationId, String itemId) {
    Response data = eval(ITEM, args(owner, conversationId, itemId));
    if (data == null) {
      return Optional.empty();
    }
    return Optional.of(decodeItems(List.of(itemId), List.of(data.toString())).getFirst());
  }

  @Override
  public boolean deleteItem(String owner, String conversationId, String itemId) {
    return eval(DELETE_ITEM, args(owner, conversationId, itemId, now())).toLong() == 1;
  }

  @Override
  public void appendItems(String owner, String conversationId, List<ConversationItem> items) {
    long result = evalWithItems(APPEND_ITEMS, args(owner, conversationId, now()), items);
    if (result == 0) {
      throw new UnknownIdException("conversation", conversationId);
    }
    if (result != 1) {
      throw new StoreFailure("an item id is already taken; nothing was appended", null);
    }
  }

  @Override
  public Optional<ItemPage> items(String owner, String conversationId, String after, int limit,
      boolean newestFirst) {
    Response result = eval(ITEMS, args(owner, conversationId, after == null ? "" : after, limit + 1,
        newestFirst ? "1" : "0"));
    long status = result.get(0).toLong();
    if (status == 0) {
      return Optional.empty();
    }
    if (status == -1) {
      throw new UnknownIdException("item", after);
    }
    List<ConversationItem> items = itemsOf(result, 1);
    boolean hasMore = items.size() > limit;
    return Optional.of(new ItemPage(items.subList(0, Math.min(limit, items.size())), hasMore));
  }

  @Override
  public Optional<List<ConversationItem>> history(String owner, String conversationId) {
    Response result = eval(ITEMS, args(owner, conversationId, "", -1, "0"));
    return result.get(0).toLong() == 1 ? Optional.of(itemsOf(result, 1)) : Optional.empty();
  }

  @Override
  public Optional<List<ConversationItem>> responseChain(String owner, String responseId) {
    Response result = eval(RESPONSE_CHAIN, args(owner, responseId, MAX_CHAIN));
    return result.get(0).toLong() == 1 ? Optional.of(itemsOf(result, 1)) : Optional.empty();
  }

  @Override
  public void recordTurn(String owner, TurnRecord turn) {
    ResponseRecord response = turn.response();
    List<Object> args = args(owner, orEmpty(response.conversationId()), response.id(), responseJson(response),
        orEmpty(response.previousResponseId()), response.output().size(), now());
    List<ConversationItem> items = new ArrayList<>(turn.input());
    items.addAll(response.output());
    long result = evalWithItems(RECORD_TURN, args, items);
    if (result == 0) {
      throw new UnknownIdException("conversation", response.conversationId());
    }
    if (result != 1) {
      throw new StoreFailure("an id of turn " + response.id() + " is already taken; nothing was recorded", null);
    }
  }

  @Override
  public Optional<ResponseRecord> response(String owner, String id) {
    Response result = eval(RESPONSE, args(owner, id));
    if (result.get(0).toLong() == 0) {
      return Optional.empty();
    }
    return Optional.of(decodeResponse(id, result.get(1).toString(), itemsOf(result, 2)));
  }

  /** {@code SET NX PX}: the mark and its expiry in one step, so a dead replica's turn ends by itself. */
  @Override
  public boolean beginTurn(String conversationId, String responseId, Duration lease) {
    Response set = send(Request.cmd(Command.SET).arg(prefix + "turn:" + conversationId).arg(responseId).arg("NX")
        .arg("PX").arg(Math.max(1, lease.toMillis())));
    return set != null;
  }

  @Override
  public void endTurn(String conversationId, String responseId) {
    eval(END_TURN, args(conversationId, responseId));
  }

  @Override
  public Swept sweep(Retention retention, int batch) {
    long now = now();
    int conversations = 0;
    int responses = 0;
    if (!retention.conversationMaxAge().isZero()) {
      long cutoff = now - retention.conversationMaxAge().toSeconds();
      conversations += passingBusy(offset -> eval(EXPIRE_CONVERSATIONS, args(cutoff, offset, batch)));
    }
    if (retention.maxConversationsPerKey() > 0 || retention.maxResponsesPerKey() > 0) {
      for (String owner : owners()) {
        if (retention.maxConversationsPerKey() > 0) {
          conversations += passingBusy(offset -> eval(TRIM_CONVERSATIONS,
              args(owner, retention.maxConversationsPerKey(), offset, batch)));
        }
        if (retention.maxResponsesPerKey() > 0) {
          responses += inBatches(batch, () -> eval(TRIM_RESPONSES, args(owner, retention.maxResponsesPerKey(), batch)));
        }
      }
    }
    if (!retention.responseMaxAge().isZero()) {
      long cutoff = now - retention.responseMaxAge().toSeconds();
      responses += inBatches(batch, () -> eval(EXPIRE_RESPONSES, args(cutoff, batch)));
    }
    return new Swept(conversations, responses);
  }

  /**
   * Runs a conversation sweep script until it finds nothing more, each call starting past the busy
   * conversations the calls before passed over; returns how many it deleted.
   */
  private static int passingBusy(java.util.function.LongFunction<Response> call) {
    long busy = 0;
    int deleted = 0;
    while (true) {
      Response result = call.apply(busy);
      long examined = result.get(0).toLong();
      long gone = result.get(1).toLong();
      if (examined == 0) {
        return deleted;
      }
      deleted += (int) gone;
      busy += examined - gone;
    }
  }

  /** Runs a response sweep script until a call deletes fewer than a batch; returns how many it deleted. */
  private static int inBatches(int batch, java.util.function.Supplier<Response> call) {
    int deleted = 0;
    long gone;
    do {
      gone = call.get().toLong();
      deleted += (int) gone;
    } while (gone >= batch);
    return deleted;
  }

  /** Every owner the store has indexed (SSCAN: a cursor, never one long command). */
  private List<String> owners() {
    List<String> owners = new ArrayList<>();
    String cursor = "0";
    do {
      Response page = send(Request.cmd(Command.SSCAN).arg(prefix + "owners").arg(cursor).arg("COUNT").arg(500));
      cursor = page.get(0).toString();
      for (Response owner : page.get(1)) {
        owners.add(owner.toString());
      }
    } while (!"0".equals(cursor));
    return owners;
  }

  private long now() {
    return clock.instant().getEpochSecond();
  }

  @Override
  public void ping() {
    send(Request.cmd(Command.PING));
  }

  @Override
  public void close() {
    onClose.run();
  }

  /** The Redis in words, for logs and errors. */
  public String where() {
    return where;
  }

  private List<Object> args(Object... values) {
    List<Object> args = new ArrayList<>(List.of(values));
    args.addFirst(prefix);
    return args;
  }

  /**
   * Runs a script that writes {@code items} after the arguments {@code head}; when an image it
   * was not sent has been deleted meanwhile (its last item gone), once more with every image.
   */
  private long evalWithItems(RedisScript script, List<Object> head, List<ConversationItem> items) {
    List<Object> args = new ArrayList<>(head);
    addItems(args, items, false);
    long result = eval(script, args).toLong();
    if (result != IMAGE_MISSING) {
      return result;
    }
    args = new ArrayList<>(head);
    addItems(args, items, true);
    return eval(script, args).toLong();
  }

  /**
   * Appends the items section the scripts read: items as (id, json), then the images ({@code all},
   * or those not stored yet).
   */
  private void addItems(List<Object> args, List<ConversationItem> items, boolean all) {
    Map<String, byte[]> images = new HashMap<>();
    args.add(items.size());
    for (ConversationItem item : items) {
      args.add(item.id());
      args.add(itemJson(item, images));
    }
    // Images are immutable: one already stored need not travel again (the script checks it still is).
    for (String sha : all ? List.<String>of() : List.copyOf(images.keySet())) {
      if (send(Request.cmd(Command.EXISTS).arg(prefix + "image:" + sha)).toLong() == 1) {
        images.remove(sha);
      }
    }
    args.add(images.size());
    images.forEach((sha, bytes) -> {
      args.add(sha);
      args.add(bytes);
    });
  }

  private String itemJson(ConversationItem item, Map<String, byte[]> images) {
    ObjectNode node = JSON.createObjectNode();
    node.put("role", item.role().wireName());
    node.put("created_at", item.createdAt());
    ArrayNode content = node.putArray("content");
    for (ItemContent part : item.content()) {
      ObjectNode json = content.addObject();
      switch (part) {
        case ItemContent.InputText text -> json.put("type", "input_text").put("text", text.text());
        case ItemContent.OutputText text -> json.put("type", "output_text").put("text", text.text());
        case ItemContent.InputImage image -> {
          json.put("type", "input_image").put("media_type", image.mediaType()).put("sha256", image.sha256());
          images.put(image.sha256(), image.bytes());
        }
      }
    }
    return node.toString();
  }

  /** The items in {@code result} from {@code from} on, as (id, data) pairs. */
  private List<ConversationItem> itemsOf(Response result, int from) {
    List<String> ids = new ArrayList<>();
    List<String> data = new ArrayList<>();
    for (int i = from; i + 1 < result.size(); i += 2) {
      ids.add(result.get(i).toString());
      Response item = result.get(i + 1);
      if (item == null) {
        throw new StoreFailure("item " + ids.getLast() + " is missing from " + where, null);
      }
      data.add(item.toString());
    }
    return decodeItems(ids, data);
  }

  private List<ConversationItem> decodeItems(List<String> ids, List<String> data) {
    List<JsonNode> nodes = new ArrayList<>(data.size());
    Set<String> shas = new LinkedHashSet<>();
    for (String text : data) {
      JsonNode node = parse(text);
      nodes.add(node);
      for (JsonNode part : node.path("content")) {
        if ("input_image".equals(part.path("type").asText())) {
          shas.add(part.path("sha256").asText());
        }
      }
    }
    Map<String, byte[]> images = images(shas);
    List<ConversationItem> items = new ArrayList<>(nodes.size());
    for (int i = 0; i < nodes.size(); i++) {
      JsonNode node = nodes.get(i);
      ChatMessage.Role role = ChatMessage.Role.fromWireName(node.path("role").asText());
      if (role == null) {
        throw new StoreFailure("unknown role in item " + ids.get(i) + " in " + where, null);
      }
      List<ItemContent> content = new ArrayList<>();
      for (JsonNode part : node.path("content")) {
        content.add(switch (part.path("type").asText()) {
          case "input_text" -> new ItemContent.InputText(part.path("text").asText());
          case "output_text" -> new ItemContent.OutputText(part.path("text").asText());
          case "input_image" -> new ItemContent.InputImage(part.path("media_type").asText(),
              images.get(part.path("sha256").asText()), part.path("sha256").asText());
          default -> throw new StoreFailure("unknown content type in item " + ids.get(i) + " in " + where, null);
        });
      }
      items.add(new ConversationItem(ids.get(i), role, content, node.path("created_at").asLong()));
    }
    return items;
  }

  /**
   * The images' bytes, in one MGET (images never change, so reading them apart from the items is
   * safe; only a read racing the deletion of the last items holding an image fails, naming it).
   */
  private Map<String, byte[]> images(Set<String> shas) {
    Map<String, byte[]> images = new HashMap<>();
    if (shas.isEmpty()) {
      return images;
    }
    Request get = Request.cmd(Command.MGET);
    List<String> order = new ArrayList<>(shas);
    for (String sha : order) {
      get.arg(prefix + "image:" + sha);
    }
    Response bytes = send(get);
    for (int i = 0; i < order.size(); i++) {
      if (bytes.get(i) == null) {
        throw new StoreFailure("image " + order.get(i) + " is missing from " + where, null);
      }
      images.put(order.get(i), bytes.get(i).toBytes());
    }
    return images;
  }

  private static String responseJson(ResponseRecord response) {
    ObjectNode node = JSON.createObjectNode();
    node.put("created_at", response.createdAt());
    node.put("model", response.model());
    node.put("status", response.status());
    node.put("incomplete_reason", response.incompleteReason());
    node.put("conversation_id", response.conversationId());
    node.put("previous_response_id", response.previousResponseId());
    node.put("instructions", response.instructions());
    node.put("temperature", response.temperature());
    if (response.topP().isPresent()) {
      node.put("top_p", response.topP().getAsDouble());
    }
    if (response.maxOutputTokens().isPresent()) {
      node.put("max_output_tokens", response.maxOutputTokens().getAsInt());
    }
    node.set("metadata", JSON.valueToTree(response.metadata()));
    ResponseRecord.Usage usage = response.usage() == null ? new ResponseRecord.Usage(0, 0, 0, 0) : response.usage();
    node.putObject("usage").put("input_tokens", usage.inputTokens()).put("output_tokens", usage.outputTokens())
        .put("cached_tokens", usage.cachedTokens()).put("image_tokens", usage.imageTokens());
    return node.toString();
  }

  private ResponseRecord decodeResponse(String id, String data, List<ConversationItem> output) {
    JsonNode node = parse(data);
    JsonNode usage = node.path("usage");
    return new ResponseRecord(id, node.path("created_at").asLong(), node.path("model").asText(),
        node.path("status").asText(), text(node, "incomplete_reason"), text(node, "conversation_id"),
        text(node, "previous_response_id"), text(node, "instructions"), node.path("temperature").asDouble(),
        node.hasNonNull("top_p") ? OptionalDouble.of(node.get("top_p").asDouble()) : OptionalDouble.empty(),
        node.hasNonNull("max_output_tokens") ? OptionalInt.of(node.get("max_output_tokens").asInt())
            : OptionalInt.empty(),
        metadata(node.path("metadata")), output,
        new ResponseRecord.Usage(usage.path("input_tokens").asInt(), usage.path("output_tokens").asInt(),
            usage.path("cached_tokens").asInt(), usage.path("image_tokens").asInt()));
  }

  private static String text(JsonNode node, String field) {
    return node.hasNonNull(field) ? node.get(field).asText() : null;
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  private static String toJson(Map<String, String> map) {
    return JSON.valueToTree(map).toString();
  }

  private Map<String, String> metadata(String json) {
    return metadata(parse(json));
  }

  private static Map<String, String> metadata(JsonNode node) {
    Map<String, String> map = new HashMap<>();
    node.properties().forEach(entry -> map.put(entry.getKey(), entry.getValue().asText()));
    return map;
  }

  private JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new StoreFailure("unreadable record in " + where + ": " + e.getMessage(), e);
    }
  }

  /** Runs a script: by its SHA-1, and once in full when Redis does not know it yet. */
  private Response eval(RedisScript script, List<Object> args) {
    try {
      return await(withArgs(script.bySha(), args));
    } catch (RuntimeException e) {
      if (!isNoScript(e)) {
        throw failure(script.name(), e);
      }
    }
    try {
      return await(withArgs(script.byText(), args));
    } catch (RuntimeException e) {
      throw failure(script.name(), e);
    }
  }

  private Response send(Request request) {
    try {
      return await(request);
    } catch (RuntimeException e) {
      throw failure(request.command().toString(), e);
    }
  }

  private Response await(Request request) {
    return redis.send(request).await().atMost(timeout);
  }

  private static Request withArgs(Request request, List<Object> args) {
    for (Object arg : args) {
      switch (arg) {
        case byte[] bytes -> request.arg(bytes);
        case Number number -> request.arg(number.longValue());
        default -> request.arg(arg.toString());
      }
    }
    return request;
  }

  private static boolean isNoScript(Throwable e) {
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause.getMessage() != null && cause.getMessage().startsWith("NOSCRIPT")) {
        return true;
      }
    }
    return false;
  }

  private StoreFailure failure(String what, RuntimeException e) {
    if (e instanceof StoreFailure failure) {
      return failure;
    }
    // await() wraps Redis' error replies and connection failures: report the innermost message.
    Throwable cause = e;
    while (cause.getCause() != null && (cause.getMessage() == null || cause instanceof CompletionException)) {
      cause = cause.getCause();
    }
    String message = cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    return new StoreFailure("the conversation store (Redis at " + where + ") is unavailable: " + what + " failed: "
        + message, e);
  }
}
