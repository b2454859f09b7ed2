package dev.varco.gateway.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.gateway.chat.ChatMessage.Role;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link ConversationStore} must do, run against each implementation by a subclass
 * that says how to open one (and open it again over the same data, as a restarted gateway would).
 */
abstract class ConversationStoreContract {
  static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4};
  static final String ALICE = "alice";
  static final String BOB = "bob";

  static final byte[] PNG_2 = {(byte) 0x89, 'P', 'N', 'G', 5, 6, 7, 8};
  static final byte[] PNG_3 = {(byte) 0x89, 'P', 'N', 'G', 9, 9, 9, 9};

  ConversationStore store;
  /** Epoch seconds of the wall clock the store times conversations and responses by; tests move it. */
  final AtomicLong wallSeconds = new AtomicLong(System.currentTimeMillis() / 1000);
  final InstantSource wallClock = () -> Instant.ofEpochSecond(wallSeconds.get());

  /** True while the store holds the image's bytes. */
  abstract boolean imageStored(String sha256);

  /** A fresh, empty store. */
  abstract ConversationStore openEmpty();

  /** The same store again (its data kept), after {@link ConversationStore#close()}. */
  abstract ConversationStore reopen();

  @BeforeEach
  void open() {
    store = openEmpty();
  }

  @AfterEach
  void close() {
    store.close();
  }

  static ConversationItem user(ItemContent... content) {
    return new ConversationItem(SessionIds.item(), Role.USER, List.of(content), 1);
  }

  static ConversationItem assistant(String text) {
    return new ConversationItem(SessionIds.item(), Role.ASSISTANT, List.of(new ItemContent.OutputText(text)), 2);
  }

  static TurnRecord turn(String conversationId, String previousResponseId, ConversationItem input,
      ConversationItem output) {
    return new TurnRecord(List.of(input), new ResponseRecord(SessionIds.response(), 3, "tiny", "completed", null,
        conversationId, previousResponseId, "be brief", 0.5, OptionalDouble.of(0.9), OptionalInt.of(16),
        Map.of("k", "v"), List.of(output), new ResponseRecord.Usage(100, 5, 10, 40)));
  }

  /** A turn recorded now by the wall clock. */
  TurnRecord turnNow(String conversationId, String previousResponseId, ConversationItem input,
      ConversationItem output) {
    TurnRecord turn = turn(conversationId, previousResponseId, input, output);
    ResponseRecord r = turn.response();
    return new TurnRecord(turn.input(), new ResponseRecord(r.id(), wallSeconds.get(), r.model(), r.status(),
        r.incompleteReason(), r.conversationId(), r.previousResponseId(), r.instructions(), r.temperature(), r.topP(),
        r.maxOutputTokens(), r.metadata(), r.output(), r.usage()));
  }

  static ItemContent.InputImage image(byte[] bytes) {
    return ItemContent.InputImage.of("image/png", bytes);
  }

  static List<String> ids(List<ConversationItem> items) {
    return items.stream().map(ConversationItem::id).toList();
  }

  @Test
  void aConversationHoldsItsItemsAndTurnsInOrder() {
    ConversationItem first = user(new ItemContent.InputText("look"), ItemContent.InputImage.of("image/png", PNG));
    Conversation conversation = store.createConversation(ALICE, Map.of("topic", "cats"), List.of(first));
    TurnRecord turn = turn(conversation.id(), null, user(new ItemContent.InputText("and?")), assistant("a cat"));
    store.recordTurn(ALICE, turn);

    assertEquals(Map.of("topic", "cats"), store.conversation(ALICE, conversation.id()).orElseThrow().metadata());
    List<ConversationItem> history = store.history(ALICE, conversation.id()).orElseThrow();
    assertEquals(List.of(first.id(), turn.input().getFirst().id(), turn.response().output().getFirst().id()),
        history.stream().map(ConversationItem::id).toList());
    ItemContent.InputImage image = (ItemContent.InputImage) history.getFirst().content().get(1);
    assertArrayEquals(PNG, image.bytes());
    assertEquals("image/png", image.mediaType());
    assertEquals(ItemContent.InputImage.of("image/png", PNG).sha256(), image.sha256());

    ResponseRecord response = store.response(ALICE, turn.response().id()).orElseThrow();
    assertEquals(turn.response(), response);
  }

  @Test
  void itemsPageInBothOrdersWithACursor() {
    Conversation conversation = store.createConversation(ALICE, Map.of(), List.of());
    List<ConversationItem> items = List.of(user(new ItemContent.InputText("1")), user(new ItemContent.InputText("2")),
        user(new ItemContent.InputText("3")));
    store.appendItems(ALICE, conversation.id(), items);

    ItemPage firstTwo = store.items(ALICE, conversation.id(), null, 2, false).orElseThrow();
    assertEquals(List.of(items.get(0).id(), items.get(1).id()), firstTwo.items().stream().map(ConversationItem::id).toList());
    assertTrue(firstTwo.hasMore());
    ItemPage rest = store.items(ALICE, conversation.id(), items.get(1).id(), 2, false).orElseThrow();
    assertEquals(List.of(items.get(2).id()), rest.items().stream().map(ConversationItem::id).toList());
    assertFalse(rest.hasMore());
    ItemPage newest = store.items(ALICE, conversation.id(), null, 1, true).orElseThrow();
    assertEquals(items.get(2).id(), newest.items().getFirst().id());
    assertThrows(UnknownIdException.class, () -> store.items(ALICE, conversation.id(), "msg_nope", 2, false));
  }

  @Test
  void unknownIdsAreEmptyOrRefused() {
    assertTrue(store.conversation(ALICE, "conv_nope").isEmpty());
    assertTrue(store.history(ALICE, "conv_nope").isEmpty());
    assertTrue(store.items(ALICE, "conv_nope", null, 10, false).isEmpty());
    assertTrue(store.response(ALICE, "resp_nope").isEmpty());
    assertTrue(store.responseChain(ALICE, "resp_nope").isEmpty());
    assertFalse(store.deleteConversation(ALICE, "conv_nope"));
    assertThrows(UnknownIdException.class, () -> store.appendItems(ALICE, "conv_nope", List.of(user(new ItemContent.InputText("x")))));
    assertThrows(UnknownIdException.class,
        () -> store.recordTurn(ALICE, turn("conv_nope", null, user(new ItemContent.InputText("x")), assistant("y"))));
  }

  @Test
  void aResponseChainFollowsPreviousResponseIds() {
    TurnRecord first = turn(null, null, user(ItemContent.InputImage.of("image/png", PNG)), assistant("one"));
    store.recordTurn(ALICE, first);
    TurnRecord second = turn(null, first.response().id(), user(new ItemContent.InputText("two?")), assistant("two"));
    store.recordTurn(ALICE, second);

    List<ConversationItem> chain = store.responseChain(ALICE, second.response().id()).orElseThrow();
    assertEquals(List.of(first.input().getFirst().id(), first.response().output().getFirst().id(),
        second.input().getFirst().id(), second.response().output().getFirst().id()),
        chain.stream().map(ConversationItem::id).toList());
    assertEquals(2, store.responseChain(ALICE, first.response().id()).orElseThrow().size());
  }

  @Test
  void aTurnThatFailsHalfwayLeavesNoTrace() {
    Conversation conversation = store.createConversation(ALICE, Map.of(), List.of(user(new ItemContent.InputText("hi"))));
    ConversationItem input = user(new ItemContent.InputText("again"), ItemContent.InputImage.of("image/png", PNG));
    // The output item reuses the input item's id: the last insert of the transaction fails.
    ConversationItem clash = new ConversationItem(input.id(), Role.ASSISTANT, List.of(new ItemContent.OutputText("x")), 2);
    TurnRecord broken = turn(conversation.id(), null, input, clash);

    assertThrows(StoreFailure.class, () -> store.recordTurn(ALICE, broken));

    assertTrue(store.response(ALICE, broken.response().id()).isEmpty());
    assertEquals(1, store.history(ALICE, conversation.id()).orElseThrow().size());
    // The store keeps working, and the same turn with a fresh output id goes in whole.
    TurnRecord fixed = turn(conversation.id(), null, input, assistant("fine"));
    store.recordTurn(ALICE, fixed);
    assertEquals(3, store.history(ALICE, conversation.id()).orElseThrow().size());
  }

  @Test
  void everythingSurvivesReopeningTheStore() {
    Conversation conversation = store.createConversation(ALICE, Map.of("a", "b"), List.of());
    TurnRecord turn = turn(conversation.id(), null, user(ItemContent.InputImage.of("image/jpeg", PNG)), assistant("ok"));
    store.recordTurn(ALICE, turn);
    List<ConversationItem> before = store.history(ALICE, conversation.id()).orElseThrow();
    store.close();

    store = reopen();
    assertEquals(conversation, store.conversation(ALICE, conversation.id()).orElseThrow());
    List<ConversationItem> after = store.history(ALICE, conversation.id()).orElseThrow();
    assertEquals(before.stream().map(ConversationItem::id).toList(), after.stream().map(ConversationItem::id).toList());
    assertArrayEquals(PNG, ((ItemContent.InputImage) after.getFirst().content().getFirst()).bytes());
    assertEquals(turn.response(), store.response(ALICE, turn.response().id()).orElseThrow());
  }

  @Test
  void deletingAConversationKeepsItsResponsesReadable() {
    Conversation conversation = store.createConversation(ALICE, Map.of(), List.of(user(new ItemContent.InputText("hi"))));
    TurnRecord turn = turn(conversation.id(), null, user(new ItemContent.InputText("q")), assistant("a"));
    store.recordTurn(ALICE, turn);

    assertTrue(store.deleteConversation(ALICE, conversation.id()));
    assertTrue(store.conversation(ALICE, conversation.id()).isEmpty());
    assertTrue(store.history(ALICE, conversation.id()).isEmpty());
    assertEquals("a", ((ItemContent.OutputText) store.response(ALICE, turn.response().id()).orElseThrow()
        .output().getFirst().content().getFirst()).text());
    assertFalse(store.deleteConversation(ALICE, conversation.id()));
  }

  @Test
  void metadataUpdatesAndSingleItems() {
    Conversation conversation = store.createConversation(ALICE, Map.of("a", "1"), List.of(user(new ItemContent.InputText("hi"))));
    assertEquals(Map.of("b", "2"), store.updateMetadata(ALICE, conversation.id(), Map.of("b", "2")).orElseThrow().metadata());
    assertEquals(Map.of("b", "2"), store.conversation(ALICE, conversation.id()).orElseThrow().metadata());
    assertTrue(store.updateMetadata(ALICE, "conv_nope", Map.of()).isEmpty());

    String itemId = store.history(ALICE, conversation.id()).orElseThrow().getFirst().id();
    assertEquals(new ItemContent.InputText("hi"), store.item(ALICE, conversation.id(), itemId).orElseThrow().content().getFirst());
    assertTrue(store.item(ALICE, conversation.id(), "msg_nope").isEmpty());
    assertTrue(store.item(ALICE, "conv_nope", itemId).isEmpty());
  }

  @Test
  void deletingAnItemHidesItFromTheConversationButNotFromItsResponse() {
    ConversationItem added = user(new ItemContent.InputText("added"));
    Conversation conversation = store.createConversation(ALICE, Map.of(), List.of(added));
    TurnRecord turn = turn(conversation.id(), null, user(new ItemContent.InputText("q")), assistant("a"));
    store.recordTurn(ALICE, turn);

    assertTrue(store.deleteItem(ALICE, conversation.id(), added.id()));
    assertTrue(store.deleteItem(ALICE, conversation.id(), turn.input().getFirst().id()));
    assertFalse(store.deleteItem(ALICE, conversation.id(), added.id()));
    assertEquals(List.of(turn.response().output().getFirst().id()),
        store.history(ALICE, conversation.id()).orElseThrow().stream().map(ConversationItem::id).toList());
    assertEquals(2, store.responseChain(ALICE, turn.response().id()).orElseThrow().size());
  }

  @Test
  void anotherOwnersConversationsAndResponsesDoNotExist() {
    Conversation conversation = store.createConversation(ALICE, Map.of(), List.of(user(new ItemContent.InputText("hi"))));
    TurnRecord turn = turn(conversation.id(), null, user(new ItemContent.InputText("q")), assistant("a"));
    store.recordTurn(ALICE, turn);
    String itemId = turn.input().getFirst().id();

    assertTrue(store.conversation(BOB, conversation.id()).isEmpty());
    assertTrue(store.history(BOB, conversation.id()).isEmpty());
    assertTrue(store.items(BOB, conversation.id(), null, 10, false).isEmpty());
    assertTrue(store.item(BOB, conversation.id(), itemId).isEmpty());
    assertTrue(store.response(BOB, turn.response().id()).isEmpty());
    assertTrue(store.responseChain(BOB, turn.response().id()).isEmpty());
    assertTrue(store.updateMetadata(BOB, conversation.id(), Map.of("x", "y")).isEmpty());
    assertFalse(store.deleteItem(BOB, conversation.id(), itemId));
    assertFalse(store.deleteConversation(BOB, conversation.id()));
    assertThrows(UnknownIdException.class,
        () -> store.appendItems(BOB, conversation.id(), List.of(user(new ItemContent.InputText("x")))));
    assertThrows(UnknownIdException.class, () -> store.recordTurn(BOB,
        turn(conversation.id(), null, user(new ItemContent.InputText("x")), assistant("y"))));
    assertTrue(store.conversations(BOB, null, 10).conversations().isEmpty());

    // Nothing Bob tried changed Alice's conversation.
    assertEquals(Map.of(), store.conversation(ALICE, conversation.id()).orElseThrow().metadata());
    assertEquals(3, store.history(ALICE, conversation.id()).orElseThrow().size());
  }

  @Test
  void anOwnersConversationsListNewestFirstInPages() {
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      made.add(store.createConversation(ALICE, Map.of("n", Integer.toString(i)), List.of()).id());
    }
    store.createConversation(BOB, Map.of(), List.of());

    List<String> seen = new ArrayList<>();
    String after = null;
    ConversationPage page;
    do {
      page = store.conversations(ALICE, after, 2);
      page.conversations().forEach(conversation -> seen.add(conversation.id()));
      after = seen.getLast();
    } while (page.hasMore());
    assertEquals(5, seen.size(), "every conversation once: " + seen);
    assertEquals(new java.util.HashSet<>(made), new java.util.HashSet<>(seen));
    // Created in the same second they tie on time; newest first still holds across seconds.
    List<Long> times = seen.stream().map(id -> store.conversation(ALICE, id).orElseThrow().createdAt()).toList();
    for (int i = 1; i < times.size(); i++) {
      assertTrue(times.get(i - 1) >= times.get(i), "newest first: " + times);
    }
    assertThrows(UnknownIdException.class, () -> store.conversations(ALICE, "conv_nope", 2));
    assertTrue(store.conversations(ALICE, null, 10).conversations().stream()
        .noneMatch(conversation -> conversation.metadata().isEmpty()), "Bob's conversation is not Alice's");
  }

  @Test
  void aConversationHoldsOneTurnAtATime() {
    assertTrue(store.beginTurn("conv_a", "resp_1", Duration.ofMinutes(1)));
    assertFalse(store.beginTurn("conv_a", "resp_2", Duration.ofMinutes(1)));
    assertTrue(store.beginTurn("conv_b", "resp_3", Duration.ofMinutes(1)), "other conversations are free");
    store.endTurn("conv_a", "resp_2"); // not the holder: no effect
    assertFalse(store.beginTurn("conv_a", "resp_2", Duration.ofMinutes(1)));
    store.endTurn("conv_a", "resp_1");
    assertTrue(store.beginTurn("conv_a", "resp_2", Duration.ofMinutes(1)));
  }

  /**
   * Moves past the end of the turn lease {@code lease} that {@code conversationId} holds in
   * {@code store}, checking the lease first, without waiting in real time.
   */
  abstract void outliveLease(ConversationStore store, String conversationId, Duration lease);

  @Test
  void aTurnMarkExpiresWhenItsGatewayNeverEndsIt() {
    Duration lease = Duration.ofSeconds(30);
    assertTrue(store.beginTurn("conv_a", "resp_1", lease));
    assertFalse(store.beginTurn("conv_a", "resp_2", Duration.ofMinutes(1)));
    outliveLease(store, "conv_a", lease);
    assertTrue(store.beginTurn("conv_a", "resp_2", Duration.ofMinutes(1)));
  }

  @Test
  void idleConversationsExpireWithTheImagesOnlyTheyHeldButBusyOnesWait() {
    Conversation old = store.createConversation(ALICE, Map.of(), List.of(user(image(PNG), image(PNG_2))));
    Conversation busy = store.createConversation(ALICE, Map.of(), List.of(user(image(PNG_3))));
    Conversation active = store.createConversation(BOB, Map.of(), List.of(user(image(PNG))));
    wallSeconds.addAndGet(7200);
    store.appendItems(BOB, active.id(), List.of(user(new ItemContent.InputText("still here"))));
    assertTrue(store.beginTurn(busy.id(), "resp_busy", Duration.ofMinutes(1)));

    Retention hour = new Retention(Duration.ofHours(1), 0, Duration.ZERO, 0);
    assertEquals(new Swept(1, 0), store.sweep(hour, 1));

    assertTrue(store.conversation(ALICE, old.id()).isEmpty());
    assertTrue(store.history(ALICE, old.id()).isEmpty());
    assertFalse(imageStored(image(PNG_2).sha256()), "only the expired conversation held it");
    assertTrue(imageStored(image(PNG).sha256()), "another conversation still refers to it");
    assertArrayEquals(PNG, ((ItemContent.InputImage) store.history(BOB, active.id()).orElseThrow().getFirst()
        .content().getFirst()).bytes());
    assertTrue(store.conversation(ALICE, busy.id()).isPresent(), "a conversation holding a turn is passed over");

    store.endTurn(busy.id(), "resp_busy");
    assertEquals(new Swept(1, 0), store.sweep(hour, 1));
    assertTrue(store.conversation(ALICE, busy.id()).isEmpty());
    assertFalse(imageStored(image(PNG_3).sha256()));
    assertEquals(new Swept(0, 0), store.sweep(hour, 1));
    assertTrue(store.conversation(BOB, active.id()).isPresent());
  }

  @Test
  void oldResponsesExpireWithTheItemsOnlyTheyHeld() {
    Conversation conversation = store.createConversation(ALICE, Map.of(), List.of());
    TurnRecord inConversation = turnNow(conversation.id(), null, user(image(PNG)), assistant("in"));
    store.recordTurn(ALICE, inConversation);
    TurnRecord first = turnNow(null, null, user(image(PNG_2)), assistant("one"));
    store.recordTurn(ALICE, first);
    wallSeconds.addAndGet(7200);
    TurnRecord second = turnNow(null, first.response().id(), user(new ItemContent.InputText("two?")), assistant("two"));
    store.recordTurn(ALICE, second);

    assertEquals(new Swept(0, 2), store.sweep(new Retention(Duration.ZERO, 0, Duration.ofHours(1), 0), 1));

    assertTrue(store.response(ALICE, inConversation.response().id()).isEmpty());
    assertTrue(store.response(ALICE, first.response().id()).isEmpty());
    assertEquals(ids(List.of(inConversation.input().getFirst(), inConversation.response().output().getFirst())),
        ids(store.history(ALICE, conversation.id()).orElseThrow()), "the conversation keeps its items");
    assertTrue(imageStored(image(PNG).sha256()));
    assertFalse(imageStored(image(PNG_2).sha256()), "only the expired response held it");
    assertEquals(ids(List.of(second.input().getFirst(), second.response().output().getFirst())),
        ids(store.responseChain(ALICE, second.response().id()).orElseThrow()), "the chain starts after the gap");

    // The conversation's items are now its alone: they (and the image) go with it.
    assertTrue(store.deleteConversation(ALICE, conversation.id()));
    assertFalse(imageStored(image(PNG).sha256()));
  }

  @Test
  void countLimitsKeepEachKeysMostRecent() {
    List<Conversation> alices = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      alices.add(store.createConversation(ALICE, Map.of(), List.of()));
      wallSeconds.addAndGet(10);
    }
    Conversation bobs = store.createConversation(BOB, Map.of(), List.of());
    store.updateMetadata(ALICE, alices.getFirst().id(), Map.of("used", "again")); // the oldest is the most recent now

    assertEquals(new Swept(1, 0), store.sweep(new Retention(Duration.ZERO, 2, Duration.ZERO, 0), 1));
    assertEquals(java.util.Set.of(alices.get(0).id(), alices.get(2).id()), new java.util.HashSet<>(
        store.conversations(ALICE, null, 10).conversations().stream().map(Conversation::id).toList()));
    assertTrue(store.conversation(BOB, bobs.id()).isPresent());

    List<TurnRecord> turns = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      turns.add(turnNow(null, null, user(new ItemContent.InputText("q" + i)), assistant("a" + i)));
      store.recordTurn(ALICE, turns.getLast());
      wallSeconds.addAndGet(10);
    }
    TurnRecord bobsTurn = turnNow(null, null, user(new ItemContent.InputText("q")), assistant("a"));
    store.recordTurn(BOB, bobsTurn);
    assertEquals(new Swept(0, 1), store.sweep(new Retention(Duration.ZERO, 0, Duration.ZERO, 2), 1));
    assertTrue(store.response(ALICE, turns.get(0).response().id()).isEmpty(), "the oldest goes");
    assertTrue(store.response(ALICE, turns.get(1).response().id()).isPresent());
    assertTrue(store.response(BOB, bobsTurn.response().id()).isPresent());
    assertEquals(new Swept(0, 0), store.sweep(new Retention(Duration.ZERO, 2, Duration.ZERO, 2), 1));
    assertEquals(new Swept(0, 0), store.sweep(Retention.KEEP_ALL, 1));
  }

  @Test
  void anImageGoesWithTheLastItemReferringToIt() {
    ConversationItem first = user(image(PNG));
    Conversation one = store.createConversation(ALICE, Map.of(), List.of(first));
    Conversation two = store.createConversation(ALICE, Map.of(), List.of(user(image(PNG))));
    assertTrue(store.deleteItem(ALICE, one.id(), first.id()));
    assertTrue(imageStored(image(PNG).sha256()));
    assertTrue(store.deleteConversation(ALICE, two.id()));
    assertFalse(imageStored(image(PNG).sha256()));

    // Sent again, it is stored again.
    store.recordTurn(ALICE, turnNow(one.id(), null, user(image(PNG)), assistant("again")));
    assertArrayEquals(PNG, ((ItemContent.InputImage) store.history(ALICE, one.id()).orElseThrow().getFirst()
        .content().getFirst()).bytes());
  }
}
