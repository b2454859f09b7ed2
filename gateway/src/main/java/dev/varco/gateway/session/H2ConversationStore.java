package dev.varco.gateway.session;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.gateway.chat.ChatMessage;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.LongSupplier;
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * The embedded store: one H2 database file in a directory, used through plain JDBC. Every public
 * call is one transaction, so a turn is recorded whole or not at all; H2's MVStore writes a
 * commit as one atomic chunk, and {@code WRITE_DELAY=0} writes it at commit time rather than up
 * to half a second later, so a gateway killed right after answering keeps the turn. (Commits are
 * not fsynced: a power loss, unlike a process crash, may lose the last turns, never corrupt one.)
 *
 * <p>Images are kept once per SHA-256 in their own table and referenced by the items that carry
 * them, so a conversation that resends its image to the model every turn stores it once; an image
 * is deleted in the transaction that deletes the last item referring to it.
 */
public final class H2ConversationStore implements ConversationStore {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
  /** Longest previous_response_id chain followed; a guard against a cycle in a damaged file. */
  private static final int MAX_CHAIN = 100_000;

  /** The owner of what a store written before owners existed holds: the keyless caller. */
  private static final String LEGACY_OWNER = "local";

  private final JdbcConnectionPool pool;
  private final TurnLeases turns;
  private final InstantSource clock;
  /**
   * Shared by transactions that add items (and may add an image), exclusive for those that delete
   * items (and may delete an image): a deletion never removes an image that a concurrent, not yet
   * committed turn refers to.
   */
  private final ReadWriteLock images = new ReentrantReadWriteLock();

  private H2ConversationStore(JdbcConnectionPool pool, InstantSource clock, LongSupplier nanoClock) {
    this.pool = pool;
    this.clock = clock;
    this.turns = new TurnLeases(nanoClock);
  }

  /** Opens (creating when absent) the store in {@code directory}. */
  public static H2ConversationStore open(Path directory) {
    return open(directory, InstantSource.system(), System::nanoTime);
  }

  /**
   * As {@link #open(Path)}, with the clocks that time conversations and responses (and so their
   * retention) and turn leases (tests move them by hand).
   */
  static H2ConversationStore open(Path directory, InstantSource clock, LongSupplier nanoClock) {
    try {
      OwnerOnlyFiles.prepare(directory, directory.resolve("conversations.mv.db"));
    } catch (java.io.IOException e) {
      throw new StoreFailure("cannot create the conversation store directory " + directory + ": " + e.getMessage(), e);
    }
    String url = "jdbc:h2:file:" + directory.toAbsolutePath().resolve("conversations") + ";WRITE_DELAY=0";
    JdbcConnectionPool pool = JdbcConnectionPool.create(url, "varco", "");
    H2ConversationStore store = new H2ConversationStore(pool, clock, nanoClock);
    try {
      store.createSchema();
    } catch (RuntimeException e) {
      pool.dispose();
      throw e;
    }
    return store;
  }

  private void createSchema() {
    inTransaction(connection -> {
      try (Statement sql = connection.createStatement()) {
        sql.execute("CREATE TABLE IF NOT EXISTS conversations(id VARCHAR(80) PRIMARY KEY,"
            + " created_at BIGINT NOT NULL, metadata CHARACTER LARGE OBJECT NOT NULL)");
        // Owners came after the first stores were written: those conversations and responses were
        // made without keys, so they belong to the keyless (loopback) caller.
        sql.execute("ALTER TABLE conversations ADD COLUMN IF NOT EXISTS owner VARCHAR(200) DEFAULT '"
            + LEGACY_OWNER + "' NOT NULL");
        sql.execute("CREATE INDEX IF NOT EXISTS conversations_by_owner ON conversations(owner, created_at, id)");
        sql.execute("CREATE TABLE IF NOT EXISTS responses(id VARCHAR(80) PRIMARY KEY, created_at BIGINT NOT NULL,"
            + " model VARCHAR(1000) NOT NULL, status VARCHAR(32) NOT NULL, incomplete_reason VARCHAR(64),"
            + " conversation_id VARCHAR(80), previous_response_id VARCHAR(80), instructions CHARACTER LARGE OBJECT,"
            + " temperature DOUBLE PRECISION NOT NULL, top_p DOUBLE PRECISION, max_output_tokens INTEGER,"
            + " metadata CHARACTER LARGE OBJECT NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,"
            + " cached_tokens INTEGER NOT NULL, image_tokens INTEGER NOT NULL)");
        sql.execute("ALTER TABLE responses ADD COLUMN IF NOT EXISTS owner VARCHAR(200) DEFAULT '"
            + LEGACY_OWNER + "' NOT NULL");
        // seq orders items; conversation_id and response_id say where an item belongs (either or both).
        sql.execute("CREATE TABLE IF NOT EXISTS items(seq BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
            + " id VARCHAR(80) NOT NULL UNIQUE, conversation_id VARCHAR(80), response_id VARCHAR(80),"
            + " output BOOLEAN NOT NULL, role VARCHAR(16) NOT NULL, created_at BIGINT NOT NULL)");
        sql.execute("CREATE INDEX IF NOT EXISTS items_by_conversation ON items(conversation_id, seq)");
        sql.execute("CREATE INDEX IF NOT EXISTS items_by_response ON items(response_id, seq)");
        sql.execute("CREATE TABLE IF NOT EXISTS item_parts(item_id VARCHAR(80) NOT NULL, idx INTEGER NOT NULL,"
            + " type VARCHAR(16) NOT NULL, text CHARACTER LARGE OBJECT, image_sha256 VARCHAR(64),"
            + " PRIMARY KEY(item_id, idx))");
        sql.execute("CREATE TABLE IF NOT EXISTS images(sha256 VARCHAR(64) PRIMARY KEY,"
            + " media_type VARCHAR(100) NOT NULL, data BINARY LARGE OBJECT NOT NULL)");
        // Retention came later: a conversation's last write (its creation, for older stores) ages it.
        sql.execute("ALTER TABLE conversations ADD COLUMN IF NOT EXISTS active_at BIGINT");
        sql.execute("UPDATE conversations SET active_at = created_at WHERE active_at IS NULL");
        sql.execute("CREATE INDEX IF NOT EXISTS conversations_by_activity ON conversations(active_at)");
        sql.execute("CREATE INDEX IF NOT EXISTS conversations_by_owner_activity ON conversations(owner, active_at)");
        sql.execute("CREATE INDEX IF NOT EXISTS responses_by_age ON responses(created_at)");
        sql.execute("CREATE INDEX IF NOT EXISTS responses_by_owner ON responses(owner, created_at)");
        sql.execute("CREATE INDEX IF NOT EXISTS item_parts_by_image ON item_parts(image_sha256)");
      }
      return null;
    });
  }

  @Override
  public Conversation createConversation(String owner, Map<String, String> metadata, List<ConversationItem> items) {
    Conversation conversation = new Conversation(SessionIds.conversation(), now(), metadata);
    inTransaction(images.readLock(), connection -> {
      try (PreparedStatement insert = connection.prepareStatement(
          "INSERT INTO conversations(id, created_at, metadata, owner, active_at) VALUES (?, ?, ?, ?, ?)")) {
        insert.setString(1, conversation.id());
        insert.setLong(2, conversation.createdAt());
        insert.setString(3, toJson(conversation.metadata()));
        insert.setString(4, owner);
        insert.setLong(5, conversation.createdAt());
        insert.executeUpdate();
      }
      insertItems(connection, items, conversation.id(), null, false);
      return null;
    });
    return conversation;
  }

  @Override
  public Optional<Conversation> conversation(String owner, String id) {
    return inTransaction(connection -> findConversation(connection, owner, id));
  }

  @Override
  public ConversationPage conversations(String owner, String after, int limit) {
    return inTransaction(connection -> {
      String where = "owner = ?";
      long afterCreatedAt = 0;
      if (after != null) {
        afterCreatedAt = findConversation(connection, owner, after)
            .orElseThrow(() -> new UnknownIdException("conversation", after)).createdAt();
        // Newest first, ties broken by id, so a page boundary is exact.
        where += " AND (created_at < ? OR (created_at = ? AND id < ?))";
      }
      List<Conversation> page = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement("SELECT id, created_at, metadata FROM conversations"
          + " WHERE " + where + " ORDER BY created_at DESC, id DESC LIMIT ?")) {
        select.setString(1, owner);
        int next = 2;
        if (after != null) {
          select.setLong(next++, afterCreatedAt);
          select.setLong(next++, afterCreatedAt);
          select.setString(next++, after);
        }
        select.setInt(next, limit + 1);
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            page.add(new Conversation(rows.getString(1), rows.getLong(2), fromJson(rows.getString(3))));
          }
        }
      }
      boolean hasMore = page.size() > limit;
      return new ConversationPage(page.subList(0, Math.min(limit, page.size())), hasMore);
    });
  }

  @Override
  public boolean deleteConversation(String owner, String id) {
    return inTransaction(images.writeLock(), connection -> findConversation(connection, owner, id).isPresent()
        && deleteConversationRows(connection, id));
  }

  @Override
  public Optional<Conversation> updateMetadata(String owner, String id, Map<String, String> metadata) {
    return inTransaction(connection -> {
      try (PreparedStatement update = connection.prepareStatement(
          "UPDATE conversations SET metadata = ? WHERE id = ? AND owner = ?")) {
        update.setString(1, toJson(metadata));
        update.setString(2, id);
        update.setString(3, owner);
        if (update.executeUpdate() == 0) {
          return Optional.empty();
        }
      }
      touch(connection, id);
      return findConversation(connection, owner, id);
    });
  }

  @Override
  public Optional<ConversationItem> item(String owner, String conversationId, String itemId) {
    return inTransaction(connection -> findConversation(connection, owner, conversationId).isEmpty()
        || itemSeq(connection, conversationId, itemId) < 0
        ? Optional.empty()
        : Optional.of(readItems(connection, "i.id = ?", itemId, new HashMap<>()).getFirst()));
  }

  @Override
  public boolean deleteItem(String owner, String conversationId, String itemId) {
    return inTransaction(images.writeLock(), connection -> {
      if (findConversation(connection, owner, conversationId).isEmpty()
          || itemSeq(connection, conversationId, itemId) < 0) {
        return false;
      }
      // Detached from the conversation; its rows go only when no response refers to it.
      update(connection, "UPDATE items SET conversation_id = NULL WHERE id = ? AND response_id IS NOT NULL", itemId);
      deleteItemRows(connection, "i.id = ? AND i.response_id IS NULL", itemId);
      touch(connection, conversationId);
      return true;
    });
  }

  @Override
  public void appendItems(String owner, String conversationId, List<ConversationItem> items) {
    inTransaction(images.readLock(), connection -> {
      requireConversation(connection, owner, conversationId);
      touch(connection, conversationId);
      insertItems(connection, items, conversationId, null, false);
      return null;
    });
  }

  @Override
  public Optional<ItemPage> items(String owner, String conversationId, String after, int limit,
      boolean newestFirst) {
    return inTransaction(connection -> {
      if (findConversation(connection, owner, conversationId).isEmpty()) {
        return Optional.empty();
      }
      String order = newestFirst ? "DESC" : "ASC";
      String where = "conversation_id = ?";
      long afterSeq = -1;
      if (after != null) {
        afterSeq = itemSeq(connection, conversationId, after);
        if (afterSeq < 0) {
          throw new UnknownIdException("item", after);
        }
        where += newestFirst ? " AND seq < ?" : " AND seq > ?";
      }
      List<String> ids = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT id FROM items WHERE " + where + " ORDER BY seq " + order + " LIMIT ?")) {
        select.setString(1, conversationId);
        int next = 2;
        if (after != null) {
          select.setLong(next++, afterSeq);
        }
        select.setInt(next, limit + 1);
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            ids.add(rows.getString(1));
          }
        }
      }
      boolean hasMore = ids.size() > limit;
      List<ConversationItem> page = new ArrayList<>();
      Map<String, ItemContent.InputImage> images = new HashMap<>();
      for (String id : ids.subList(0, Math.min(limit, ids.size()))) {
        page.add(readItems(connection, "i.id = ?", id, images).getFirst());
      }
      return Optional.of(new ItemPage(page, hasMore));
    });
  }

  @Override
  public Optional<List<ConversationItem>> history(String owner, String conversationId) {
    return inTransaction(connection -> {
      if (findConversation(connection, owner, conversationId).isEmpty()) {
        return Optional.empty();
      }
      return Optional.of(readItems(connection, "i.conversation_id = ?", conversationId, new HashMap<>()));
    });
  }

  @Override
  public Optional<List<ConversationItem>> responseChain(String owner, String responseId) {
    return inTransaction(connection -> {
      List<String> chain = new ArrayList<>();
      String current = responseId;
      try (PreparedStatement previous = connection.prepareStatement(
          "SELECT previous_response_id FROM responses WHERE id = ? AND owner = ?")) {
        while (current != null && chain.size() < MAX_CHAIN) {
          previous.setString(1, current);
          previous.setString(2, owner);
          try (ResultSet row = previous.executeQuery()) {
            if (!row.next()) {
              if (chain.isEmpty()) {
                return Optional.empty();
              }
              break; // an earlier response is gone: the chain starts here
            }
            chain.add(current);
            current = row.getString(1);
          }
        }
      }
      List<ConversationItem> items = new ArrayList<>();
      Map<String, ItemContent.InputImage> images = new HashMap<>();
      for (String id : chain.reversed()) {
        items.addAll(readItems(connection, "i.response_id = ?", id, images));
      }
      return Optional.of(items);
    });
  }

  @Override
  public void recordTurn(String owner, TurnRecord turn) {
    ResponseRecord response = turn.response();
    inTransaction(images.readLock(), connection -> {
      if (response.conversationId() != null) {
        requireConversation(connection, owner, response.conversationId());
        touch(connection, response.conversationId());
      }
      insertResponse(connection, owner, response);
      insertItems(connection, turn.input(), response.conversationId(), response.id(), false);
      insertItems(connection, response.output(), response.conversationId(), response.id(), true);
      return null;
    });
  }

  @Override
  public Optional<ResponseRecord> response(String owner, String id) {
    return inTransaction(connection -> {
      try (PreparedStatement select = connection.prepareStatement("SELECT created_at, model, status,"
          + " incomplete_reason, conversation_id, previous_response_id, instructions, temperature, top_p,"
          + " max_output_tokens, metadata, input_tokens, output_tokens, cached_tokens, image_tokens"
          + " FROM responses WHERE id = ? AND owner = ?")) {
        select.setString(1, id);
        select.setString(2, owner);
        try (ResultSet row = select.executeQuery()) {
          if (!row.next()) {
            return Optional.empty();
          }
          double topP = row.getDouble(9);
          OptionalDouble topPValue = row.wasNull() ? OptionalDouble.empty() : OptionalDouble.of(topP);
          int maxOutput = row.getInt(10);
          OptionalInt maxOutputValue = row.wasNull() ? OptionalInt.empty() : OptionalInt.of(maxOutput);
          List<ConversationItem> output =
              readItems(connection, "i.response_id = ? AND i.output", id, new HashMap<>());
          return Optional.of(new ResponseRecord(id, row.getLong(1), row.getString(2), row.getString(3),
              row.getString(4), row.getString(5), row.getString(6), row.getString(7), row.getDouble(8), topPValue,
              maxOutputValue, fromJson(row.getString(11)), output,
              new ResponseRecord.Usage(row.getInt(12), row.getInt(13), row.getInt(14), row.getInt(15))));
        }
      }
    });
  }

  @Override
  public boolean beginTurn(String conversationId, String responseId, Duration lease) {
    return turns.begin(conversationId, responseId, lease);
  }

  @Override
  public void endTurn(String conversationId, String responseId) {
    turns.end(conversationId, responseId);
  }

  @Override
  public Swept sweep(Retention retention, int batch) {
    long now = now();
    Swept swept = new Swept(0, 0);
    if (!retention.conversationMaxAge().isZero()) {
      long cutoff = now - retention.conversationMaxAge().toSeconds();
      swept = swept.plus(deleteConversations("active_at < ?", cutoff, batch));
    }
    if (retention.maxConversationsPerKey() > 0) {
      for (String owner : ownersOver("conversations", retention.maxConversationsPerKey())) {
        swept = swept.plus(trimConversations(owner, retention.maxConversationsPerKey(), batch));
      }
    }
    if (!retention.responseMaxAge().isZero()) {
      long cutoff = now - retention.responseMaxAge().toSeconds();
      swept = swept.plus(deleteResponses("SELECT id FROM responses WHERE created_at < ? ORDER BY created_at, id LIMIT ?",
          cutoff, batch));
    }
    if (retention.maxResponsesPerKey() > 0) {
      for (String owner : ownersOver("responses", retention.maxResponsesPerKey())) {
        swept = swept.plus(deleteResponses("SELECT id FROM responses WHERE owner = ? ORDER BY created_at DESC, id DESC"
            + " OFFSET " + retention.maxResponsesPerKey() + " ROWS FETCH FIRST ? ROWS ONLY", owner, batch));
      }
    }
    return swept;
  }

  /** Deletes the conversations matching {@code where} (one parameter), least recently active first, but not busy ones. */
  private Swept deleteConversations(String where, Object parameter, int batch) {
    int deleted = 0;
    int busy = 0;
    while (true) {
      int passed = busy;
      int[] result = inTransaction(images.writeLock(), connection -> {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT id FROM conversations WHERE " + where
            + " ORDER BY active_at, id OFFSET ? ROWS FETCH FIRST ? ROWS ONLY")) {
          select.setObject(1, parameter);
          select.setInt(2, passed);
          select.setInt(3, batch);
          try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
              ids.add(rows.getString(1));
            }
          }
        }
        int gone = 0;
        for (String id : ids) {
          if (!turns.held(id) && deleteConversationRows(connection, id)) {
            gone++;
          }
        }
        return new int[] {ids.size(), gone};
      });
      deleted += result[1];
      busy += result[0] - result[1];
      if (result[0] < batch) {
        return new Swept(deleted, 0);
      }
    }
  }

  /** Deletes an owner's least recently active conversations beyond {@code keep}, busy ones passed over. */
  private Swept trimConversations(String owner, int keep, int batch) {
    // The rows past the newest `keep` are the ones to go; a busy one stays and counts against the limit.
    Swept swept = new Swept(0, 0);
    while (true) {
      List<String> excess = inTransaction(connection -> {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement select = connection.prepareStatement("SELECT id FROM conversations WHERE owner = ?"
            + " ORDER BY active_at DESC, id DESC OFFSET ? ROWS")) {
          select.setString(1, owner);
          select.setInt(2, keep);
          try (ResultSet rows = select.executeQuery()) {
            while (rows.next() && ids.size() < batch) {
              String id = rows.getString(1);
              if (!turns.held(id)) {
                ids.add(id);
              }
            }
          }
        }
        return ids;
      });
      if (excess.isEmpty()) {
        return swept;
      }
      int gone = inTransaction(images.writeLock(), connection -> {
        int count = 0;
        for (String id : excess) {
          if (deleteConversationRows(connection, id)) {
            count++;
          }
        }
        return count;
      });
      swept = swept.plus(new Swept(gone, 0));
      if (gone == 0) {
        return swept;
      }
    }
  }

  /** Deletes the responses {@code select} names (one parameter, then the batch size), a batch at a time. */
  private Swept deleteResponses(String select, Object parameter, int batch) {
    int deleted = 0;
    while (true) {
      int gone = inTransaction(images.writeLock(), connection -> {
        List<String> ids = new ArrayList<>();
        try (PreparedStatement query = connection.prepareStatement(select)) {
          query.setObject(1, parameter);
          query.setInt(2, batch);
          try (ResultSet rows = query.executeQuery()) {
            while (rows.next()) {
              ids.add(rows.getString(1));
            }
          }
        }
        for (String id : ids) {
          deleteResponseRows(connection, id);
        }
        return ids.size();
      });
      deleted += gone;
      if (gone < batch) {
        return new Swept(0, deleted);
      }
    }
  }

  /** The owners holding more than {@code limit} rows of {@code table}. */
  private List<String> ownersOver(String table, int limit) {
    return inTransaction(connection -> {
      List<String> owners = new ArrayList<>();
      try (PreparedStatement select = connection.prepareStatement(
          "SELECT owner FROM " + table + " GROUP BY owner HAVING COUNT(*) > ?")) {
        select.setInt(1, limit);
        try (ResultSet rows = select.executeQuery()) {
          while (rows.next()) {
            owners.add(rows.getString(1));
          }
        }
      }
      return owners;
    });
  }

  /**
   * Deletes a conversation and the items only it holds; its responses' items stay with them,
   * detached. False when it was already gone.
   */
  private static boolean deleteConversationRows(Connection connection, String id) throws SQLException {
    if (update(connection, "DELETE FROM conversations WHERE id = ?", id) == 0) {
      return false;
    }
    update(connection, "UPDATE items SET conversation_id = NULL WHERE conversation_id = ? AND response_id IS NOT NULL",
        id);
    deleteItemRows(connection, "i.conversation_id = ?", id);
    return true;
  }

  /**
   * Deletes a response and the items only it holds; its items still in a live conversation stay
   * there. (Stores written before conversations detached their responses' items on delete may name
   * a conversation that is gone: such an item is held by the response alone.)
   */
  private static void deleteResponseRows(Connection connection, String id) throws SQLException {
    update(connection, "DELETE FROM responses WHERE id = ?", id);
    deleteItemRows(connection, "i.response_id = ? AND (i.conversation_id IS NULL OR NOT EXISTS"
        + " (SELECT 1 FROM conversations c WHERE c.id = i.conversation_id))", id);
    update(connection, "UPDATE items SET response_id = NULL WHERE response_id = ?", id);
  }

  /** Deletes the items matching {@code where} (over alias {@code i}, one parameter), their parts and orphaned images. */
  private static void deleteItemRows(Connection connection, String where, String parameter) throws SQLException {
    List<String> shas = new ArrayList<>();
    try (PreparedStatement select = connection.prepareStatement("SELECT DISTINCT p.image_sha256 FROM item_parts p"
        + " JOIN items i ON p.item_id = i.id WHERE " + where + " AND p.image_sha256 IS NOT NULL")) {
      select.setString(1, parameter);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          shas.add(rows.getString(1));
        }
      }
    }
    update(connection, "DELETE FROM item_parts WHERE item_id IN (SELECT i.id FROM items i WHERE " + where + ")",
        parameter);
    update(connection, "DELETE FROM items i WHERE " + where, parameter);
    try (PreparedStatement orphan = connection.prepareStatement("DELETE FROM images WHERE sha256 = ?"
        + " AND NOT EXISTS (SELECT 1 FROM item_parts WHERE image_sha256 = ?)")) {
      for (String sha : shas) {
        orphan.setString(1, sha);
        orphan.setString(2, sha);
        orphan.executeUpdate();
      }
    }
  }

  private static int update(Connection connection, String sql, String parameter) throws SQLException {
    try (PreparedStatement statement = connection.prepareStatement(sql)) {
      statement.setString(1, parameter);
      return statement.executeUpdate();
    }
  }

  /** Marks the conversation as written to now: its age for retention starts again. */
  private void touch(Connection connection, String conversationId) throws SQLException {
    try (PreparedStatement update = connection.prepareStatement("UPDATE conversations SET active_at = ? WHERE id = ?")) {
      update.setLong(1, now());
      update.setString(2, conversationId);
      update.executeUpdate();
    }
  }

  private long now() {
    return clock.instant().getEpochSecond();
  }

  /** True while the image is stored (tests check that it goes with the last item referring to it). */
  boolean hasImage(String sha256) {
    return inTransaction(connection -> {
      try (PreparedStatement select = connection.prepareStatement("SELECT 1 FROM images WHERE sha256 = ?")) {
        select.setString(1, sha256);
        try (ResultSet row = select.executeQuery()) {
          return row.next();
        }
      }
    });
  }

  @Override
  public void ping() {
    inTransaction(connection -> {
      try (Statement sql = connection.createStatement()) {
        sql.execute("SELECT 1");
      }
      return null;
    });
  }

  @Override
  public void close() {
    pool.dispose();
  }

  private void insertResponse(Connection connection, String owner, ResponseRecord response) throws SQLException {
    try (PreparedStatement insert = connection.prepareStatement("INSERT INTO responses(id, created_at, model,"
        + " status, incomplete_reason, conversation_id, previous_response_id, instructions, temperature, top_p,"
        + " max_output_tokens, metadata, input_tokens, output_tokens, cached_tokens, image_tokens, owner)"
        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      insert.setString(1, response.id());
      insert.setLong(2, response.createdAt());
      insert.setString(3, response.model());
      insert.setString(4, response.status());
      insert.setString(5, response.incompleteReason());
      insert.setString(6, response.conversationId());
      insert.setString(7, response.previousResponseId());
      insert.setString(8, response.instructions());
      insert.setDouble(9, response.temperature());
      if (response.topP().isPresent()) {
        insert.setDouble(10, response.topP().getAsDouble());
      } else {
        insert.setNull(10, Types.DOUBLE);
      }
      if (response.maxOutputTokens().isPresent()) {
        insert.setInt(11, response.maxOutputTokens().getAsInt());
      } else {
        insert.setNull(11, Types.INTEGER);
      }
      insert.setString(12, toJson(response.metadata()));
      ResponseRecord.Usage usage = response.usage() == null ? new ResponseRecord.Usage(0, 0, 0, 0) : response.usage();
      insert.setInt(13, usage.inputTokens());
      insert.setInt(14, usage.outputTokens());
      insert.setInt(15, usage.cachedTokens());
      insert.setInt(16, usage.imageTokens());
      insert.setString(17, owner);
      insert.executeUpdate();
    }
  }

  private static void insertItems(Connection connection, List<ConversationItem> items, String conversationId,
      String responseId, boolean output) throws SQLException {
    if (items.isEmpty()) {
      return;
    }
    try (PreparedStatement item = connection.prepareStatement("INSERT INTO items(id, conversation_id, response_id,"
        + " output, role, created_at) VALUES (?, ?, ?, ?, ?, ?)");
        PreparedStatement part = connection.prepareStatement(
            "INSERT INTO item_parts(item_id, idx, type, text, image_sha256) VALUES (?, ?, ?, ?, ?)");
        PreparedStatement image = connection.prepareStatement(
            "MERGE INTO images(sha256, media_type, data) KEY(sha256) VALUES (?, ?, ?)")) {
      for (ConversationItem conversationItem : items) {
        item.setString(1, conversationItem.id());
        item.setString(2, conversationId);
        item.setString(3, responseId);
        item.setBoolean(4, output);
        item.setString(5, conversationItem.role().wireName());
        item.setLong(6, conversationItem.createdAt());
        item.executeUpdate();
        for (int i = 0; i < conversationItem.content().size(); i++) {
          part.setString(1, conversationItem.id());
          part.setInt(2, i);
          switch (conversationItem.content().get(i)) {
            case ItemContent.InputText text -> setPart(part, "input_text", text.text(), null);
            case ItemContent.OutputText text -> setPart(part, "output_text", text.text(), null);
            case ItemContent.InputImage picture -> {
              setPart(part, "input_image", null, picture.sha256());
              image.setString(1, picture.sha256());
              image.setString(2, picture.mediaType());
              image.setBytes(3, picture.bytes());
              image.executeUpdate();
            }
          }
          part.executeUpdate();
        }
      }
    }
  }

  private static void setPart(PreparedStatement part, String type, String text, String sha256) throws SQLException {
    part.setString(3, type);
    part.setString(4, text);
    part.setString(5, sha256);
  }

  /** Items matching {@code where} (over alias {@code i}, one string parameter), oldest first. */
  private static List<ConversationItem> readItems(Connection connection, String where, String parameter,
      Map<String, ItemContent.InputImage> images) throws SQLException {
    Map<String, ItemBuilder> items = new LinkedHashMap<>();
    try (PreparedStatement select = connection.prepareStatement("SELECT i.id, i.role, i.created_at, p.type, p.text,"
        + " p.image_sha256 FROM items i LEFT JOIN item_parts p ON p.item_id = i.id WHERE " + where
        + " ORDER BY i.seq, p.idx")) {
      select.setString(1, parameter);
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          String id = rows.getString(1);
          ItemBuilder item = items.computeIfAbsent(id, key -> new ItemBuilder());
          item.id = id;
          item.role = rows.getString(2);
          item.createdAt = rows.getLong(3);
          String type = rows.getString(4);
          if (type != null) {
            item.content.add(switch (type) {
              case "input_text" -> new ItemContent.InputText(rows.getString(5));
              case "output_text" -> new ItemContent.OutputText(rows.getString(5));
              case "input_image" -> image(connection, rows.getString(6), images);
              default -> throw new SQLException("unknown content type '" + type + "' in item " + id);
            });
          }
        }
      }
    }
    List<ConversationItem> result = new ArrayList<>(items.size());
    for (ItemBuilder item : items.values()) {
      ChatMessage.Role role = ChatMessage.Role.fromWireName(item.role);
      if (role == null) {
        throw new SQLException("unknown role '" + item.role + "' in item " + item.id);
      }
      result.add(new ConversationItem(item.id, role, item.content, item.createdAt));
    }
    return result;
  }

  private static ItemContent.InputImage image(Connection connection, String sha256,
      Map<String, ItemContent.InputImage> images) throws SQLException {
    ItemContent.InputImage known = images.get(sha256);
    if (known != null) {
      return known;
    }
    try (PreparedStatement select = connection.prepareStatement("SELECT media_type, data FROM images WHERE sha256 = ?")) {
      select.setString(1, sha256);
      try (ResultSet row = select.executeQuery()) {
        if (!row.next()) {
          throw new SQLException("image " + sha256 + " is missing");
        }
        ItemContent.InputImage image = new ItemContent.InputImage(row.getString(1), row.getBytes(2), sha256);
        images.put(sha256, image);
        return image;
      }
    }
  }

  private static final class ItemBuilder {
    String id;
    String role;
    long createdAt;
    final List<ItemContent> content = new ArrayList<>();
  }

  private static Optional<Conversation> findConversation(Connection connection, String owner, String id)
      throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT created_at, metadata FROM conversations WHERE id = ? AND owner = ?")) {
      select.setString(1, id);
      select.setString(2, owner);
      try (ResultSet row = select.executeQuery()) {
        return row.next()
            ? Optional.of(new Conversation(id, row.getLong(1), fromJson(row.getString(2))))
            : Optional.empty();
      }
    }
  }

  private static void requireConversation(Connection connection, String owner, String id) throws SQLException {
    if (findConversation(connection, owner, id).isEmpty()) {
      throw new UnknownIdException("conversation", id);
    }
  }

  private static long itemSeq(Connection connection, String conversationId, String itemId) throws SQLException {
    try (PreparedStatement select = connection.prepareStatement(
        "SELECT seq FROM items WHERE id = ? AND conversation_id = ?")) {
      select.setString(1, itemId);
      select.setString(2, conversationId);
      try (ResultSet row = select.executeQuery()) {
        return row.next() ? row.getLong(1) : -1;
      }
    }
  }

  private static String toJson(Map<String, String> map) {
    try {
      return JSON.writeValueAsString(map);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> fromJson(String text) throws SQLException {
    try {
      return JSON.readValue(text, STRING_MAP);
    } catch (JsonProcessingException e) {
      throw new SQLException("unreadable metadata: " + e.getOriginalMessage(), e);
    }
  }

  @FunctionalInterface
  private interface Work<T> {
    T run(Connection connection) throws SQLException;
  }

  /** As {@link #inTransaction(Work)}, holding {@code lock} (of {@link #images}) throughout. */
  private <T> T inTransaction(Lock lock, Work<T> work) {
    lock.lock();
    try {
      return inTransaction(work);
    } finally {
      lock.unlock();
    }
  }

  /** Runs {@code work} in one transaction: committed when it returns, rolled back when it throws. */
  private <T> T inTransaction(Work<T> work) {
    try (Connection connection = pool.getConnection()) {
      connection.setAutoCommit(false);
      try {
        T result = work.run(connection);
        connection.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreFailure("the conversation store failed: " + e.getMessage(), e);
    }
  }
}
