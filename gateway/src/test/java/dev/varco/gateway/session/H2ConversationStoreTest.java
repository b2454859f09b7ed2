package dev.varco.gateway.session;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.gateway.chat.ChatMessage.Role;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class H2ConversationStoreTest {
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3, 4};

  @TempDir Path dir;
  private H2ConversationStore store;

  @BeforeEach
  void open() {
    store = H2ConversationStore.open(dir);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private static ConversationItem user(ItemContent... content) {
    return new ConversationItem(SessionIds.item(), Role.USER, List.of(content), 1);
  }

  private static ConversationItem assistant(String text) {
    return new ConversationItem(SessionIds.item(), Role.ASSISTANT, List.of(new ItemContent.OutputText(text)), 2);
  }

  private static TurnRecord turn(String conversationId, String previousResponseId, ConversationItem input,
      ConversationItem output) {
    return new TurnRecord(List.of(input), new ResponseRecord(SessionIds.response(), 3, "tiny", "completed", null,
        conversationId, previousResponseId, "be brief", 0.5, OptionalDouble.of(0.9), OptionalInt.of(16),
        Map.of("k", "v"), List.of(output), new ResponseRecord.Usage(100, 5, 10, 40)));
  }

  @Test
  void aConversationHoldsItsItemsAndTurnsInOrder() {
    ConversationItem first = user(new ItemContent.InputText("look"), ItemContent.InputImage.of("image/png", PNG));
    Conversation conversation = store.createConversation(Map.of("topic", "cats"), List.of(first));
    TurnRecord turn = turn(conversation.id(), null, user(new ItemContent.InputText("and?")), assistant("a cat"));
    store.recordTurn(turn);

    assertEquals(Map.of("topic", "cats"), store.conversation(conversation.id()).orElseThrow().metadata());
    List<ConversationItem> history = store.history(conversation.id()).orElseThrow();
    assertEquals(List.of(first.id(), turn.input().getFirst().id(), turn.response().output().getFirst().id()),
        history.stream().map(ConversationItem::id).toList());
    ItemContent.InputImage image = (ItemContent.InputImage) history.getFirst().content().get(1);
    assertArrayEquals(PNG, image.bytes());
    assertEquals("image/png", image.mediaType());
    assertEquals(ItemContent.InputImage.of("image/png", PNG).sha256(), image.sha256());

    ResponseRecord response = store.response(turn.response().id()).orElseThrow();
    assertEquals(turn.response(), response);
  }

  @Test
  void itemsPageInBothOrdersWithACursor() {
    Conversation conversation = store.createConversation(Map.of(), List.of());
    List<ConversationItem> items = List.of(user(new ItemContent.InputText("1")), user(new ItemContent.InputText("2")),
        user(new ItemContent.InputText("3")));
    store.appendItems(conversation.id(), items);

    ItemPage firstTwo = store.items(conversation.id(), null, 2, false).orElseThrow();
    assertEquals(List.of(items.get(0).id(), items.get(1).id()), firstTwo.items().stream().map(ConversationItem::id).toList());
    assertTrue(firstTwo.hasMore());
    ItemPage rest = store.items(conversation.id(), items.get(1).id(), 2, false).orElseThrow();
    assertEquals(List.of(items.get(2).id()), rest.items().stream().map(ConversationItem::id).toList());
    assertFalse(rest.hasMore());
    ItemPage newest = store.items(conversation.id(), null, 1, true).orElseThrow();
    assertEquals(items.get(2).id(), newest.items().getFirst().id());
    assertThrows(UnknownIdException.class, () -> store.items(conversation.id(), "msg_nope", 2, false));
  }

  @Test
  void unknownIdsAreEmptyOrRefused() {
    assertTrue(store.conversation("conv_nope").isEmpty());
    assertTrue(store.history("conv_nope").isEmpty());
    assertTrue(store.items("conv_nope", null, 10, false).isEmpty());
    assertTrue(store.response("resp_nope").isEmpty());
    assertTrue(store.responseChain("resp_nope").isEmpty());
    assertFalse(store.deleteConversation("conv_nope"));
    assertThrows(UnknownIdException.class, () -> store.appendItems("conv_nope", List.of(user(new ItemContent.InputText("x")))));
    assertThrows(UnknownIdException.class,
        () -> store.recordTurn(turn("conv_nope", null, user(new ItemContent.InputText("x")), assistant("y"))));
  }

  @Test
  void aResponseChainFollowsPreviousResponseIds() {
    TurnRecord first = turn(null, null, user(ItemContent.InputImage.of("image/png", PNG)), assistant("one"));
    store.recordTurn(first);
    TurnRecord second = turn(null, first.response().id(), user(new ItemContent.InputText("two?")), assistant("two"));
    store.recordTurn(second);

    List<ConversationItem> chain = store.responseChain(second.response().id()).orElseThrow();
    assertEquals(List.of(first.input().getFirst().id(), first.response().output().getFirst().id(),
        second.input().getFirst().id(), second.response().output().getFirst().id()),
        chain.stream().map(ConversationItem::id).toList());
    assertEquals(2, store.responseChain(first.response().id()).orElseThrow().size());
  }

  @Test
  void aTurnThatFailsHalfwayLeavesNoTrace() {
    Conversation conversation = store.createConversation(Map.of(), List.of(user(new ItemContent.InputText("hi"))));
    ConversationItem input = user(new ItemContent.InputText("again"), ItemContent.InputImage.of("image/png", PNG));
    // The output item reuses the input item's id: the last insert of the transaction fails.
    ConversationItem clash = new ConversationItem(input.id(), Role.ASSISTANT, List.of(new ItemContent.OutputText("x")), 2);
    TurnRecord broken = turn(conversation.id(), null, input, clash);

    assertThrows(StoreFailure.class, () -> store.recordTurn(broken));

    assertTrue(store.response(broken.response().id()).isEmpty());
    assertEquals(1, store.history(conversation.id()).orElseThrow().size());
    // The store keeps working, and the same turn with a fresh output id goes in whole.
    TurnRecord fixed = turn(conversation.id(), null, input, assistant("fine"));
    store.recordTurn(fixed);
    assertEquals(3, store.history(conversation.id()).orElseThrow().size());
  }

  @Test
  void everythingSurvivesReopeningTheStore() {
    Conversation conversation = store.createConversation(Map.of("a", "b"), List.of());
    TurnRecord turn = turn(conversation.id(), null, user(ItemContent.InputImage.of("image/jpeg", PNG)), assistant("ok"));
    store.recordTurn(turn);
    List<ConversationItem> before = store.history(conversation.id()).orElseThrow();
    store.close();

    store = H2ConversationStore.open(dir);
    assertEquals(conversation, store.conversation(conversation.id()).orElseThrow());
    List<ConversationItem> after = store.history(conversation.id()).orElseThrow();
    assertEquals(before.stream().map(ConversationItem::id).toList(), after.stream().map(ConversationItem::id).toList());
    assertArrayEquals(PNG, ((ItemContent.InputImage) after.getFirst().content().getFirst()).bytes());
    assertEquals(turn.response(), store.response(turn.response().id()).orElseThrow());
  }

  @Test
  void deletingAConversationKeepsItsResponsesReadable() {
    Conversation conversation = store.createConversation(Map.of(), List.of(user(new ItemContent.InputText("hi"))));
    TurnRecord turn = turn(conversation.id(), null, user(new ItemContent.InputText("q")), assistant("a"));
    store.recordTurn(turn);

    assertTrue(store.deleteConversation(conversation.id()));
    assertTrue(store.conversation(conversation.id()).isEmpty());
    assertTrue(store.history(conversation.id()).isEmpty());
    assertEquals("a", ((ItemContent.OutputText) store.response(turn.response().id()).orElseThrow()
        .output().getFirst().content().getFirst()).text());
    assertFalse(store.deleteConversation(conversation.id()));
  }

  @Test
  void metadataUpdatesAndSingleItems() {
    Conversation conversation = store.createConversation(Map.of("a", "1"), List.of(user(new ItemContent.InputText("hi"))));
    assertEquals(Map.of("b", "2"), store.updateMetadata(conversation.id(), Map.of("b", "2")).orElseThrow().metadata());
    assertEquals(Map.of("b", "2"), store.conversation(conversation.id()).orElseThrow().metadata());
    assertTrue(store.updateMetadata("conv_nope", Map.of()).isEmpty());

    String itemId = store.history(conversation.id()).orElseThrow().getFirst().id();
    assertEquals(new ItemContent.InputText("hi"), store.item(conversation.id(), itemId).orElseThrow().content().getFirst());
    assertTrue(store.item(conversation.id(), "msg_nope").isEmpty());
    assertTrue(store.item("conv_nope", itemId).isEmpty());
  }

  @Test
  void deletingAnItemHidesItFromTheConversationButNotFromItsResponse() {
    ConversationItem added = user(new ItemContent.InputText("added"));
    Conversation conversation = store.createConversation(Map.of(), List.of(added));
    TurnRecord turn = turn(conversation.id(), null, user(new ItemContent.InputText("q")), assistant("a"));
    store.recordTurn(turn);

    assertTrue(store.deleteItem(conversation.id(), added.id()));
    assertTrue(store.deleteItem(conversation.id(), turn.input().getFirst().id()));
    assertFalse(store.deleteItem(conversation.id(), added.id()));
    assertEquals(List.of(turn.response().output().getFirst().id()),
        store.history(conversation.id()).orElseThrow().stream().map(ConversationItem::id).toList());
    assertEquals(2, store.responseChain(turn.response().id()).orElseThrow().size());
  }
}
