package dev.varco.gateway.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The store contract over a real redis-server (one per class; each test under its own key
 * prefix, so tests share the server without seeing each other), plus what only a shared store
 * must do: stay whole under concurrent writers, share turn marks between replicas, and keep its
 * data across a Redis restart.
 */
class RedisConversationStoreTest extends ConversationStoreContract {
  static RedisServerProcess server;
  static Vertx vertx;
  String prefix;

  @BeforeAll
  static void startRedis() {
    server = RedisServerProcess.start("store-test");
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stopRedis() {
    if (server != null) {
      server.close();
    }
    if (vertx != null) {
      vertx.closeAndAwait();
    }
  }

  /** A store with its own client, as one gateway replica has. */
  static RedisConversationStore open(String prefix) {
    Redis client = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.uri()));
    return new RedisConversationStore(client, prefix, Duration.ofSeconds(5), server.uri(), client::close);
  }

  /** As {@link #open(String)}, on the test's wall clock. */
  RedisConversationStore openOnWallClock(String prefix) {
    Redis client = Redis.createClient(vertx, new RedisOptions().setConnectionString(server.uri()));
    return new RedisConversationStore(client, prefix, Duration.ofSeconds(5), server.uri(), client::close, wallClock);
  }

  @Override
  ConversationStore openEmpty() {
    prefix = "test-" + UUID.randomUUID() + ":";
    return openOnWallClock(prefix);
  }

  @Override
  ConversationStore reopen() {
    return openOnWallClock(prefix);
  }

  @Override
  boolean imageStored(String sha256) {
    return server.command("EXISTS " + prefix + "image:" + sha256).equals(":1");
  }

  /**
   * Redis expires the mark by its own clock: check the TTL the lease set, then expire it now
   * (PEXPIRE 0 deletes, as the TTL running out would) rather than sleeping through it.
   */
  @Override
  void outliveLease(ConversationStore store, String conversationId, Duration lease) {
    String key = prefix + "turn:" + conversationId;
    long ttl = Long.parseLong(server.command("PTTL " + key).substring(1));
    assertTrue(ttl > 0 && ttl <= lease.toMillis(), "the mark expires within the lease: " + ttl + " ms");
    assertEquals(":1", server.command("PEXPIRE " + key + " 0"));
  }

  /**
   * Two replicas record turns into one conversation while a third deletes it. Each turn is whole
   * or absent: a recorded turn's items are all there and next to each other in the conversation,
   * a refused one left no key behind.
   */
  @Test
  void concurrentTurnsAndADeleteLeaveNoHalfTurn() throws Exception {
    Conversation conversation = store.createConversation(ALICE, Map.of(), List.of(user(new ItemContent.InputText("hi"))));
    int maxTurnsPerWriter = 500;
    ConcurrentLinkedQueue<TurnRecord> recorded = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<TurnRecord> refused = new ConcurrentLinkedQueue<>();
    ExecutorService threads = Executors.newFixedThreadPool(3);
    List<ConversationStore> replicas = List.of(open(prefix), open(prefix), open(prefix));
    try {
      CountDownLatch go = new CountDownLatch(1);
      CountDownLatch someRecorded = new CountDownLatch(20);
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 2; w++) {
        ConversationStore replica = replicas.get(w);
        writers.add(threads.submit(() -> {
          go.await();
          // Until the delete refuses one: turns go in before, during and after it.
          for (int i = 0; i < maxTurnsPerWriter; i++) {
            TurnRecord turn = new TurnRecord(List.of(user(new ItemContent.InputText("q" + i)),
                user(ItemContent.InputImage.of("image/png", PNG))),
                turn(conversation.id(), null, user(new ItemContent.InputText("x")), assistant("a" + i)).response());
            try {
              replica.recordTurn(ALICE, turn);
              recorded.add(turn);
            } catch (UnknownIdException e) {
              refused.add(turn);
              break;
            }
            someRecorded.countDown();
          }
          return null;
        }));
      }
      Future<Boolean> deleter = threads.submit(() -> {
        go.await();
        someRecorded.await();
        return replicas.get(2).deleteConversation(ALICE, conversation.id());
      });
      go.countDown();
      for (Future<?> writer : writers) {
        writer.get(60, TimeUnit.SECONDS);
      }
      assertTrue(deleter.get(60, TimeUnit.SECONDS));
    } finally {
      threads.shutdownNow();
      replicas.forEach(ConversationStore::close);
    }

    assertTrue(recorded.size() >= 20, "turns went in before the delete");
    assertEquals(2, refused.size(), "each writer's first turn after the delete is refused");
    for (TurnRecord turn : recorded) {
      List<ConversationItem> chain = store.responseChain(ALICE, turn.response().id()).orElseThrow();
      assertEquals(List.of(turn.input().get(0).id(), turn.input().get(1).id(),
          turn.response().output().getFirst().id()), chain.stream().map(ConversationItem::id).toList());
    }
    for (TurnRecord turn : refused) {
      assertTrue(store.response(ALICE, turn.response().id()).isEmpty());
      for (ConversationItem item : turn.input()) {
        assertEquals(":0", server.command("EXISTS " + prefix + "item:" + item.id()), "no trace of a refused turn");
      }
    }
    assertEquals(":0", server.command("EXISTS " + prefix + "conv:" + conversation.id() + ":items"));
  }

  /** Concurrent turns never interleave: each turn's items are next to each other in the conversation. */
  @Test
  void concurrentTurnsDoNotInterleave() throws Exception {
    Conversation conversation = store.createConversation(ALICE, Map.of(), List.of());
    int turnsPerWriter = 30;
    ExecutorService threads = Executors.newFixedThreadPool(2);
    List<ConversationStore> replicas = List.of(open(prefix), open(prefix));
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (ConversationStore replica : replicas) {
        writers.add(threads.submit(() -> {
          for (int i = 0; i < turnsPerWriter; i++) {
            replica.recordTurn(ALICE, new TurnRecord(List.of(user(new ItemContent.InputText("q1")),
                user(new ItemContent.InputText("q2"))),
                turn(conversation.id(), null, user(new ItemContent.InputText("x")), assistant("a")).response()));
          }
          return null;
        }));
      }
      for (Future<?> writer : writers) {
        writer.get(60, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
      replicas.forEach(ConversationStore::close);
    }
    List<ConversationItem> history = store.history(ALICE, conversation.id()).orElseThrow();
    assertEquals(2 * turnsPerWriter * 3, history.size());
    for (int i = 0; i < history.size(); i += 3) {
      assertEquals(List.of("q1", "q2", "a"), history.subList(i, i + 3).stream()
          .map(item -> switch (item.content().getFirst()) {
            case ItemContent.InputText text -> text.text();
            case ItemContent.OutputText text -> text.text();
            case ItemContent.InputImage image -> "image";
          }).toList(), "turn at " + i);
    }
  }

  /** A turn held through one replica is refused on another until it ends or its mark expires. */
  @Test
  void replicasShareDataAndTurnMarks() {
    try (ConversationStore other = open(prefix)) {
      Conversation conversation = store.createConversation(ALICE, Map.of("a", "b"), List.of());
      assertEquals(conversation, other.conversation(ALICE, conversation.id()).orElseThrow());

      assertTrue(store.beginTurn(conversation.id(), "resp_1", Duration.ofMinutes(1)));
      assertFalse(other.beginTurn(conversation.id(), "resp_2", Duration.ofMinutes(1)));
      other.endTurn(conversation.id(), "resp_2"); // not the holder: no effect
      assertFalse(other.beginTurn(conversation.id(), "resp_2", Duration.ofMinutes(1)));
      store.endTurn(conversation.id(), "resp_1");
      assertTrue(other.beginTurn(conversation.id(), "resp_2", Duration.ofSeconds(30)));
      assertFalse(store.beginTurn(conversation.id(), "resp_3", Duration.ofMinutes(1)));
      outliveLease(store, conversation.id(), Duration.ofSeconds(30)); // the replica holding it "died"
      assertTrue(store.beginTurn(conversation.id(), "resp_3", Duration.ofMinutes(1)));
    }
  }

  /** Two deployments on one Redis (different key prefixes) do not see each other. */
  @Test
  void keyPrefixesSeparateDeployments() {
    try (ConversationStore other = open("other-" + UUID.randomUUID() + ":")) {
      Conversation conversation = store.createConversation(ALICE, Map.of(), List.of());
      assertTrue(other.conversation(ALICE, conversation.id()).isEmpty());
      assertTrue(other.conversations(ALICE, null, 10).conversations().isEmpty());
      assertTrue(other.beginTurn(conversation.id(), "resp_1", Duration.ofMinutes(1)));
      assertTrue(store.beginTurn(conversation.id(), "resp_2", Duration.ofMinutes(1)));
    }
  }

  /**
   * Redis killed (no clean shutdown) and started again over its append-only file: what was
   * recorded is there, and the same store (its client reconnects) goes on working. While Redis is
   * down, calls fail as {@link StoreFailure} naming Redis.
   */
  @Test
  void aKilledRedisComesBackWithItsData() {
    Conversation conversation = store.createConversation(ALICE, Map.of("a", "b"), List.of());
    TurnRecord turn = turn(conversation.id(), null, user(ItemContent.InputImage.of("image/png", PNG)), assistant("ok"));
    store.recordTurn(ALICE, turn);

    server.kill();
    StoreFailure down = assertThrows(StoreFailure.class, () -> store.conversation(ALICE, conversation.id()));
    assertTrue(down.getMessage().contains("Redis"), down.getMessage());
    assertThrows(StoreFailure.class, store::ping);

    server.restart();
    assertEquals(conversation, store.conversation(ALICE, conversation.id()).orElseThrow());
    assertEquals(turn.response(), store.response(ALICE, turn.response().id()).orElseThrow());
    assertEquals(2, store.history(ALICE, conversation.id()).orElseThrow().size());
    store.appendItems(ALICE, conversation.id(), List.of(user(new ItemContent.InputText("after"))));
    assertEquals(3, store.history(ALICE, conversation.id()).orElseThrow().size());
  }

  /**
   * An image stored before images counted their items (no reference set) may be referred to by
   * items nobody counted: a newer item referring to it marks it as kept for good, so deleting that
   * item never takes the image from under the older ones.
   */
  @Test
  void anImageFromBeforeReferenceCountsIsKept() {
    Conversation older = store.createConversation(ALICE, Map.of(), List.of(user(image(PNG))));
    String sha = image(PNG).sha256();
    assertEquals(":1", server.command("DEL " + prefix + "image:" + sha + ":items")); // as an older gateway wrote it
    Conversation newer = store.createConversation(ALICE, Map.of(), List.of(user(image(PNG))));
    assertTrue(store.deleteConversation(ALICE, newer.id()));
    assertTrue(imageStored(sha));
    assertArrayEquals(PNG, ((ItemContent.InputImage) store.history(ALICE, older.id()).orElseThrow().getFirst()
        .content().getFirst()).bytes());
  }
}
