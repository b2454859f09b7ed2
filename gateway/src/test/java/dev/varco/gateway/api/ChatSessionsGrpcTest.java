package dev.varco.gateway.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.varco.gateway.session.ConversationStore;
import dev.varco.gateway.session.ItemContent;
import dev.varco.gateway.session.ResponseRecord;
import dev.varco.gateway.session.SessionIds;
import dev.varco.gateway.session.TurnRecord;
import dev.varco.proto.chat.v1.AddItemsRequest;
import dev.varco.proto.chat.v1.ChatGrpc;
import dev.varco.proto.chat.v1.ChatMessage;
import dev.varco.proto.chat.v1.ChatPart;
import dev.varco.proto.chat.v1.Conversation;
import dev.varco.proto.chat.v1.ConversationItem;
import dev.varco.proto.chat.v1.CreateConversationRequest;
import dev.varco.proto.chat.v1.DeleteConversationRequest;
import dev.varco.proto.chat.v1.DeleteItemRequest;
import dev.varco.proto.chat.v1.GetConversationRequest;
import dev.varco.proto.chat.v1.GetItemRequest;
import dev.varco.proto.chat.v1.GetResponseRequest;
import dev.varco.proto.chat.v1.ItemOrder;
import dev.varco.proto.chat.v1.ListConversationsRequest;
import dev.varco.proto.chat.v1.ListItemsRequest;
import dev.varco.proto.chat.v1.ListItemsResponse;
import dev.varco.proto.chat.v1.RecordedResponse;
import dev.varco.proto.chat.v1.RespondRequest;
import dev.varco.proto.chat.v1.UpdateConversationRequest;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.quarkus.grpc.GrpcClient;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The gRPC conversation, item and response RPCs and {@code Respond} on the real gRPC server, with
 * two API keys: a conversation belongs to the key that made it (NOT_FOUND for the other), holds one
 * turn at a time (ABORTED), what one edge changes the other reads, and every refusal has its
 * status. No language model listens here: a turn that gets past every check meets UNAVAILABLE,
 * which is how these tests see it was admitted.
 */
@QuarkusTest
@TestProfile(ChatSessionsGrpcTest.TwoOwners.class)
class ChatSessionsGrpcTest {
  public static class TwoOwners implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      // The per-key rate is AccessFilterTest's subject: here it is raised so that this class's
      // more than a hundred quick calls as alice never meet the default burst of 60.
      return Map.of("varco.gateway.access.api-keys", "alice:sk-grpc-alice,bob:sk-grpc-bob",
          "varco.gateway.access.requests-per-minute", "60000",
          "varco.gateway.access.burst", "10000");
    }
  }

  /** A PNG signature and a few bytes: the gateway reads only the signature; vision-service would refuse it. */
  private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13};

  @GrpcClient("chat")
  Channel channel;

  @Inject ConversationStore store;

  private ChatGrpc.ChatBlockingStub as(String key) {
    Metadata headers = new Metadata();
    headers.put(ChatAccessInterceptor.AUTHORIZATION, "Bearer " + key);
    return ChatGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private ChatGrpc.ChatBlockingStub alice() {
    return as("sk-grpc-alice");
  }

  private ChatGrpc.ChatBlockingStub bob() {
    return as("sk-grpc-bob");
  }

  private static ChatPart text(String text) {
    return ChatPart.newBuilder().setText(text).build();
  }

  private static ChatPart image() {
    return ChatPart.newBuilder().setImage(ByteString.copyFrom(PNG)).build();
  }

  private static ChatMessage message(String role, ChatPart... parts) {
    return ChatMessage.newBuilder().setRole(role).addAllParts(List.of(parts)).build();
  }

  private static Status.Code code(Executable call) {
    return assertThrows(StatusRuntimeException.class, call).getStatus().getCode();
  }

  private static StatusRuntimeException refusal(Executable call) {
    return assertThrows(StatusRuntimeException.class, call);
  }

  /** Respond's stream, drained (so its error, if any, is thrown). */
  private static void respond(ChatGrpc.ChatBlockingStub chat, RespondRequest request) {
    chat.respond(request).forEachRemaining(response -> { });
  }

  private static RespondRequest.Builder turn(String conversationId) {
    return RespondRequest.newBuilder().setConversationId(conversationId).addInput(text("and now?"));
  }

  private String conversationOf(ChatGrpc.ChatBlockingStub chat) {
    return chat.createConversation(CreateConversationRequest.newBuilder()
        .addItems(message("user", text("mine"))).build()).getId();
  }

  @Test
  void anotherKeysConversationIsNotFoundOnEveryCall() {
    String id = conversationOf(alice());
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> bob().getConversation(GetConversationRequest.newBuilder().setConversationId(id).build())));
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> bob().listItems(ListItemsRequest.newBuilder().setConversationId(id).build())));
    assertEquals(Status.Code.NOT_FOUND, code(() -> respond(bob(), turn(id).build())));
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> bob().deleteConversation(DeleteConversationRequest.newBuilder().setConversationId(id).build())));
    assertEquals(Status.Code.NOT_FOUND, code(() -> respond(bob(), RespondRequest.newBuilder()
        .setPreviousResponseId("resp_missing").addInput(text("hi")).build())));
    // Even busy with a turn, it stays unknown to another key rather than busy.
    store.beginTurn(id, "resp_in_progress", Duration.ofMinutes(1));
    try {
      assertEquals(Status.Code.NOT_FOUND, code(() -> respond(bob(), turn(id).build())));
    } finally {
      store.endTurn(id, "resp_in_progress");
    }

    // Alice's conversation is untouched, and the same through REST.
    ListItemsResponse items = alice().listItems(ListItemsRequest.newBuilder().setConversationId(id).build());
    assertEquals(1, items.getItemsCount());
    assertEquals("mine", items.getItems(0).getParts(0).getText());
    given().header("Authorization", "Bearer sk-grpc-alice").get("/v1/conversations/" + id).then().statusCode(200);
    given().header("Authorization", "Bearer sk-grpc-bob").get("/v1/conversations/" + id).then().statusCode(404);
  }

  @Test
  void eachKeyListsOnlyItsOwnConversationsNewestFirst() {
    String first = conversationOf(alice());
    String second = conversationOf(alice());
    String bobs = conversationOf(bob());
    List<String> alices = alice().listConversations(ListConversationsRequest.newBuilder().setLimit(100).build())
        .getConversationsList().stream().map(Conversation::getId).toList();
    assertTrue(alices.contains(first) && alices.contains(second), alices.toString());
    assertFalse(alices.contains(bobs));
    List<String> bobList = bob().listConversations(ListConversationsRequest.newBuilder().setLimit(100).build())
        .getConversationsList().stream().map(Conversation::getId).toList();
    assertTrue(bobList.contains(bobs));
    assertFalse(bobList.contains(first));

    // Pages add up: the first page of one, then everything after it.
    var page = alice().listConversations(ListConversationsRequest.newBuilder().setLimit(1).build());
    assertEquals(1, page.getConversationsCount());
    assertTrue(page.getHasMore());
    var rest = alice().listConversations(ListConversationsRequest.newBuilder().setLimit(100)
        .setAfter(page.getConversations(0).getId()).build());
    assertEquals(alices.subList(1, alices.size()),
        rest.getConversationsList().stream().map(Conversation::getId).toList());
    assertFalse(rest.getHasMore());
    assertEquals(Status.Code.NOT_FOUND, code(() -> bob().listConversations(
        ListConversationsRequest.newBuilder().setAfter(first).build())));
  }

  @Test
  void createdItemsAreListedInEitherOrderWithTheirImages() {
    Conversation created = alice().createConversation(CreateConversationRequest.newBuilder()
        .putMetadata("topic", "cats")
        .addItems(message("system", text("Be brief.")))
        .addItems(message("user", image(), text("What is this?")))
        .addItems(message("assistant", text("A cat.")))
        .build());
    assertTrue(created.getId().startsWith("conv_"), created.getId());
    assertEquals(Map.of("topic", "cats"), created.getMetadataMap());
    assertEquals(created, alice().getConversation(GetConversationRequest.newBuilder()
        .setConversationId(created.getId()).build()));

    List<ConversationItem> ascending = alice().listItems(ListItemsRequest.newBuilder()
        .setConversationId(created.getId()).setOrder(ItemOrder.ITEM_ORDER_ASC).build()).getItemsList();
    assertEquals(List.of("system", "user", "assistant"), ascending.stream().map(ConversationItem::getRole).toList());
    assertArrayEquals(PNG, ascending.get(1).getParts(0).getImage().toByteArray());
    assertEquals("What is this?", ascending.get(1).getParts(1).getText());
    assertTrue(ascending.getFirst().getId().startsWith("msg_"));

    var newest = alice().listItems(ListItemsRequest.newBuilder().setConversationId(created.getId()).setLimit(1).build());
    assertEquals("assistant", newest.getItems(0).getRole());
    assertTrue(newest.getHasMore());
    var older = alice().listItems(ListItemsRequest.newBuilder().setConversationId(created.getId())
        .setAfter(newest.getItems(0).getId()).build());
    assertEquals(List.of("user", "system"), older.getItemsList().stream().map(ConversationItem::getRole).toList());
    assertFalse(older.getHasMore());
    // REST lists the gRPC-sent image as a data URL of the type its bytes have.
    given().header("Authorization", "Bearer sk-grpc-alice").get("/v1/conversations/" + created.getId()
        + "/items?order=asc").then().statusCode(200)
        .body("data[1].content[0].image_url", org.hamcrest.Matchers.startsWith("data:image/png;base64,"));
  }

  @Test
  void aDeletedConversationIsGone() {
    String id = conversationOf(alice());
    var deleted = alice().deleteConversation(DeleteConversationRequest.newBuilder().setConversationId(id).build());
    assertTrue(deleted.getDeleted());
    assertEquals(id, deleted.getConversationId());
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> alice().getConversation(GetConversationRequest.newBuilder().setConversationId(id).build())));
    assertEquals(Status.Code.NOT_FOUND,
        code(() -> alice().deleteConversation(DeleteConversationRequest.newBuilder().setConversationId(id).build())));
    assertEquals(Status.Code.NOT_FOUND, code(() -> respond(alice(), turn(id).build())));
  }

  @Test
  void aSecondTurnWhileOneIsInProgressIsAborted() {
    String id = conversationOf(alice());
    store.beginTurn(id, "resp_in_progress", Duration.ofMinutes(1));
    try {
      StatusRuntimeException busy = refusal(() -> respond(alice(), turn(id).build()));
      assertEquals(Status.Code.ABORTED, busy.getStatus().getCode());
      assertTrue(busy.getStatus().getDescription().contains(id), busy.getStatus().getDescription());
    } finally {
      store.endTurn(id, "resp_in_progress");
    }
    // Free again: the turn gets past every check and meets the missing language model ...
    assertEquals(Status.Code.UNAVAILABLE, code(() -> respond(alice(), turn(id).build())));
    // ... which freed the conversation, and recorded nothing.
    assertEquals(Status.Code.UNAVAILABLE, code(() -> respond(alice(), turn(id).build())));
    assertEquals(1, alice().listItems(ListItemsRequest.newBuilder().setConversationId(id).build()).getItemsCount());
    // A first turn, and one after a (here unknown) response, reach the model the same way.
    assertEquals(Status.Code.UNAVAILABLE,
        code(() -> respond(alice(), RespondRequest.newBuilder().addInput(text("hi")).build())));
  }

  @Test
  void invalidRequestsNameTheField() {
    String id = conversationOf(alice());
    assertInvalid("conversation_id", () -> respond(alice(), turn(id).setPreviousResponseId("resp_x").build()));
    assertInvalid("input", () -> respond(alice(), RespondRequest.newBuilder().setConversationId(id).build()));
    assertInvalid("input[0]", () -> respond(alice(), RespondRequest.newBuilder().setConversationId(id)
        .addInput(ChatPart.getDefaultInstance()).build()));
    assertInvalid("input[0].image", () -> respond(alice(), RespondRequest.newBuilder().setConversationId(id)
        .addInput(ChatPart.newBuilder().setImage(ByteString.copyFromUtf8("GIF89a")).build()).build()));
    assertInvalid("top_p", () -> respond(alice(), turn(id).setTopP(2f).build()));
    assertInvalid("max_tokens", () -> respond(alice(), turn(id).setMaxTokens(1_000_000).build()));
    assertInvalid("top_logprobs", () -> respond(alice(), turn(id).setTopLogprobs(2).build()));
    assertInvalid("metadata", () -> respond(alice(), turn(id).putAllMetadata(IntStream.range(0, 17).boxed()
        .collect(java.util.stream.Collectors.toMap(i -> "k" + i, i -> "v"))).build()));
    assertInvalid("items[0].role", () -> alice().createConversation(CreateConversationRequest.newBuilder()
        .addItems(message("tool", text("x"))).build()));
    assertInvalid("items[0].parts[0].image", () -> alice().createConversation(CreateConversationRequest.newBuilder()
        .addItems(message("assistant", image())).build()));
    assertInvalid("limit", () -> alice().listItems(ListItemsRequest.newBuilder().setConversationId(id)
        .setLimit(101).build()));
    assertInvalid("conversation_id", () -> alice().getConversation(GetConversationRequest.getDefaultInstance()));
    // A refused turn frees its conversation: the next one reaches the (missing) model.
    assertEquals(Status.Code.UNAVAILABLE, code(() -> respond(alice(), turn(id).build())));
  }

  @Test
  void aConversationPastTheImageLimitIsResourceExhausted() {
    // The test profile allows 2 images per turn; the conversation already holds 2.
    String id = alice().createConversation(CreateConversationRequest.newBuilder()
        .addItems(message("user", image(), image(), text("two pictures"))).build()).getId();
    RespondRequest withImage = RespondRequest.newBuilder().setConversationId(id).addInput(image()).build();
    StatusRuntimeException full = refusal(() -> respond(alice(), withImage));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, full.getStatus().getCode());
    assertTrue(full.getStatus().getDescription().contains("varco.gateway.max-images"), full.getStatus().getDescription());
    // Three images in the input alone is a bad request, whatever the conversation holds.
    assertInvalid("input", () -> respond(alice(), RespondRequest.newBuilder().addInput(image()).addInput(image())
        .addInput(image()).build()));
    // Text still fits.
    assertEquals(Status.Code.UNAVAILABLE, code(() -> respond(alice(), turn(id).build())));
  }

  private static io.restassured.specification.RequestSpecification restAs(String key) {
    return given().header("Authorization", "Bearer " + key).contentType("application/json");
  }

  private static GetItemRequest item(String conversationId, String itemId) {
    return GetItemRequest.newBuilder().setConversationId(conversationId).setItemId(itemId).build();
  }

  @Test
  void metadataUpdatedOnEitherEdgeIsSeenOnTheOther() {
    String id = alice().createConversation(CreateConversationRequest.newBuilder()
        .putMetadata("topic", "cats").putMetadata("old", "yes").build()).getId();
    // gRPC replaces the whole map, and REST reads the new one.
    Conversation updated = alice().updateConversation(UpdateConversationRequest.newBuilder().setConversationId(id)
        .putMetadata("topic", "dogs").build());
    assertEquals(id, updated.getId());
    assertEquals(Map.of("topic", "dogs"), updated.getMetadataMap());
    restAs("sk-grpc-alice").get("/v1/conversations/" + id).then().statusCode(200)
        .body("metadata.topic", equalTo("dogs")).body("metadata.old", nullValue());
    // REST's update is read over gRPC.
    restAs("sk-grpc-alice").body("{\"metadata\":{\"via\":\"rest\"}}").post("/v1/conversations/" + id).then()
        .statusCode(200);
    assertEquals(Map.of("via", "rest"), alice().getConversation(GetConversationRequest.newBuilder()
        .setConversationId(id).build()).getMetadataMap());
    // An empty map clears it.
    assertEquals(Map.of(), alice().updateConversation(UpdateConversationRequest.newBuilder().setConversationId(id)
        .build()).getMetadataMap());

    // Another key cannot touch it; an unknown id is as unknown.
    assertEquals(Status.Code.NOT_FOUND, code(() -> bob().updateConversation(UpdateConversationRequest.newBuilder()
        .setConversationId(id).putMetadata("topic", "bob's").build())));
    assertEquals(Status.Code.NOT_FOUND, code(() -> alice().updateConversation(UpdateConversationRequest.newBuilder()
        .setConversationId("conv_missing").build())));
    restAs("sk-grpc-alice").body("{\"metadata\":{\"by\":\"alice\"}}").post("/v1/conversations/" + id).then()
        .statusCode(200);
    assertEquals(Map.of("by", "alice"), alice().getConversation(GetConversationRequest.newBuilder()
        .setConversationId(id).build()).getMetadataMap());
  }

  @Test
  void itemsAddedOverGrpcAreListedOverRestAndReadOneByOne() {
    String id = conversationOf(alice());
    List<ConversationItem> added = alice().addItems(AddItemsRequest.newBuilder().setConversationId(id)
        .addItems(message("user", image(), text("And this one?")))
        .addItems(message("assistant", text("A dog.")))
        .build()).getItemsList();
    assertEquals(List.of("user", "assistant"), added.stream().map(ConversationItem::getRole).toList());
    assertTrue(added.stream().allMatch(item -> item.getId().startsWith("msg_")), added.toString());
    assertArrayEquals(PNG, added.getFirst().getParts(0).getImage().toByteArray());

    // The conversation now holds them after its first item, on both edges.
    List<ConversationItem> listed = alice().listItems(ListItemsRequest.newBuilder().setConversationId(id)
        .setOrder(ItemOrder.ITEM_ORDER_ASC).build()).getItemsList();
    assertEquals(List.of("mine", "And this one?", "A dog."), listed.stream()
        .map(item -> item.getParts(item.getPartsCount() - 1).getText()).toList());
    restAs("sk-grpc-alice").get("/v1/conversations/" + id + "/items?order=asc").then().statusCode(200)
        .body("data.id", equalTo(listed.stream().map(ConversationItem::getId).toList()))
        .body("data[1].content[0].image_url", org.hamcrest.Matchers.startsWith("data:image/png;base64,"))
        .body("data[2].content[0].text", equalTo("A dog."));

    // GetItem answers each as ListItems does; an item added over REST too.
    assertEquals(added.get(1), alice().getItem(item(id, added.get(1).getId())));
    String restItem = restAs("sk-grpc-alice").body("{\"items\":[{\"role\":\"user\",\"content\":\"via rest\"}]}")
        .post("/v1/conversations/" + id + "/items").then().statusCode(200).extract().path("data[0].id");
    assertEquals("via rest", alice().getItem(item(id, restItem)).getParts(0).getText());

    // Another key sees neither the conversation nor its items, and cannot add to it.
    assertEquals(Status.Code.NOT_FOUND, code(() -> bob().getItem(item(id, added.get(1).getId()))));
    assertEquals(Status.Code.NOT_FOUND, code(() -> bob().addItems(AddItemsRequest.newBuilder().setConversationId(id)
        .addItems(message("user", text("bob was here"))).build())));
    assertEquals(Status.Code.NOT_FOUND, code(() -> alice().addItems(AddItemsRequest.newBuilder()
        .setConversationId("conv_missing").addItems(message("user", text("x"))).build())));
    assertEquals(Status.Code.NOT_FOUND, code(() -> alice().getItem(item(id, "msg_missing"))));
    assertEquals(4, alice().listItems(ListItemsRequest.newBuilder().setConversationId(id).build()).getItemsCount());
  }

  @Test
  void aDeletedItemIsGoneFromTheConversation() {
    String id = conversationOf(alice());
    List<ConversationItem> added = alice().addItems(AddItemsRequest.newBuilder().setConversationId(id)
        .addItems(message("user", text("forget this"))).build()).getItemsList();
    String itemId = added.getFirst().getId();
    DeleteItemRequest delete = DeleteItemRequest.newBuilder().setConversationId(id).setItemId(itemId).build();

    // Another key cannot delete it.
    assertEquals(Status.Code.NOT_FOUND, code(() -> bob().deleteItem(delete)));
    assertEquals(itemId, alice().getItem(item(id, itemId)).getId());

    Conversation answered = alice().deleteItem(delete);
    assertEquals(alice().getConversation(GetConversationRequest.newBuilder().setConversationId(id).build()), answered);
    assertEquals(Status.Code.NOT_FOUND, code(() -> alice().getItem(item(id, itemId))));
    assertEquals(Status.Code.NOT_FOUND, code(() -> alice().deleteItem(delete)));
    assertEquals(List.of("mine"), alice().listItems(ListItemsRequest.newBuilder().setConversationId(id).build())
        .getItemsList().stream().map(listed -> listed.getParts(0).getText()).toList());
    restAs("sk-grpc-alice").get("/v1/conversations/" + id + "/items/" + itemId).then().statusCode(404);
  }

  @Test
  void aRecordedResponseReadsTheSameOnBothEdges() {
    // No model here: the turn is recorded as the engine records an answered one.
    String id = conversationOf(alice());
    long now = System.currentTimeMillis() / 1000;
    ResponseRecord response = new ResponseRecord(SessionIds.response(), now, "varco-test", "incomplete",
        "max_output_tokens", id, null, "Be brief.", 0.5, OptionalDouble.of(0.75), OptionalInt.of(3),
        Map.of("run", "7"), List.of(new dev.varco.gateway.session.ConversationItem(SessionIds.item(),
            dev.varco.gateway.chat.ChatMessage.Role.ASSISTANT, List.of(new ItemContent.OutputText("A cat")), now)),
        new ResponseRecord.Usage(812, 3, 64, 729));
    store.recordTurn("alice", new TurnRecord(List.of(new dev.varco.gateway.session.ConversationItem(SessionIds.item(),
        dev.varco.gateway.chat.ChatMessage.Role.USER, List.of(new ItemContent.InputText("What is it?")), now)),
        response));

    RecordedResponse got = alice().getResponse(GetResponseRequest.newBuilder().setResponseId(response.id()).build());
    assertEquals(response.id(), got.getId());
    assertEquals(now, got.getCreatedAt());
    assertEquals("varco-test", got.getModel());
    assertEquals("incomplete", got.getStatus());
    assertEquals("max_output_tokens", got.getIncompleteReason());
    assertEquals(id, got.getConversationId());
    assertEquals("", got.getPreviousResponseId());
    assertEquals("Be brief.", got.getInstructions());
    assertEquals("A cat", got.getOutputText());
    assertEquals(1, got.getOutputCount());
    assertEquals(response.output().getFirst().id(), got.getOutput(0).getId());
    assertEquals(Map.of("run", "7"), got.getMetadataMap());
    assertEquals(0.5f, got.getTemperature());
    assertEquals(0.75f, got.getTopP());
    assertEquals(3, got.getMaxTokens());
    assertEquals(812, got.getUsage().getPromptTokens());
    assertEquals(3, got.getUsage().getCompletionTokens());
    assertEquals(64, got.getUsage().getCachedTokens());
    assertEquals(729, got.getUsage().getImageTokens());
    // REST's response object says the same.
    restAs("sk-grpc-alice").get("/v1/responses/" + response.id()).then().statusCode(200)
        .body("id", equalTo(got.getId()))
        .body("incomplete_details.reason", equalTo(got.getIncompleteReason()))
        .body("conversation.id", equalTo(got.getConversationId()))
        .body("output[0].content[0].text", equalTo(got.getOutputText()))
        .body("usage.input_tokens", equalTo(got.getUsage().getPromptTokens()))
        .body("usage.input_tokens_details.cached_tokens", equalTo(got.getUsage().getCachedTokens()));

    // Another key, or an unknown id: NOT_FOUND. Deleting the conversation keeps the response readable.
    assertEquals(Status.Code.NOT_FOUND, code(() -> bob().getResponse(GetResponseRequest.newBuilder()
        .setResponseId(response.id()).build())));
    assertEquals(Status.Code.NOT_FOUND, code(() -> alice().getResponse(GetResponseRequest.newBuilder()
        .setResponseId("resp_missing").build())));
    alice().deleteConversation(DeleteConversationRequest.newBuilder().setConversationId(id).build());
    assertEquals(got, alice().getResponse(GetResponseRequest.newBuilder().setResponseId(response.id()).build()));
  }

  @Test
  void theSessionRpcsNameTheInvalidField() {
    String id = conversationOf(alice());
    assertInvalid("conversation_id", () -> alice().updateConversation(UpdateConversationRequest.getDefaultInstance()));
    assertInvalid("metadata", () -> alice().updateConversation(UpdateConversationRequest.newBuilder()
        .setConversationId(id).putAllMetadata(IntStream.range(0, 17).boxed()
            .collect(java.util.stream.Collectors.toMap(i -> "k" + i, i -> "v"))).build()));
    assertInvalid("metadata.note", () -> alice().updateConversation(UpdateConversationRequest.newBuilder()
        .setConversationId(id).putMetadata("note", "x".repeat(513)).build()));
    assertInvalid("conversation_id", () -> alice().addItems(AddItemsRequest.newBuilder()
        .addItems(message("user", text("x"))).build()));
    assertInvalid("items", () -> alice().addItems(AddItemsRequest.newBuilder().setConversationId(id).build()));
    AddItemsRequest.Builder tooMany = AddItemsRequest.newBuilder().setConversationId(id);
    IntStream.range(0, 21).forEach(i -> tooMany.addItems(message("user", text("m" + i))));
    assertInvalid("items", () -> alice().addItems(tooMany.build()));
    assertInvalid("items[1].role", () -> alice().addItems(AddItemsRequest.newBuilder().setConversationId(id)
        .addItems(message("user", text("ok"))).addItems(message("tool", text("x"))).build()));
    assertInvalid("items[0].parts[0].image", () -> alice().addItems(AddItemsRequest.newBuilder()
        .setConversationId(id).addItems(message("user", ChatPart.newBuilder()
            .setImage(ByteString.copyFromUtf8("GIF89a")).build())).build()));
    assertInvalid("item_id", () -> alice().getItem(item(id, "")));
    assertInvalid("conversation_id", () -> alice().getItem(item("", "msg_x")));
    assertInvalid("item_id", () -> alice().deleteItem(DeleteItemRequest.newBuilder().setConversationId(id).build()));
    assertInvalid("response_id", () -> alice().getResponse(GetResponseRequest.getDefaultInstance()));
    // Nothing refused was applied.
    assertEquals(1, alice().listItems(ListItemsRequest.newBuilder().setConversationId(id).build()).getItemsCount());
    assertEquals(Map.of(), alice().getConversation(GetConversationRequest.newBuilder().setConversationId(id).build())
        .getMetadataMap());
  }

  private static void assertInvalid(String field, Executable call) {
    StatusRuntimeException refused = refusal(call);
    assertEquals(Status.Code.INVALID_ARGUMENT, refused.getStatus().getCode(), refused.getStatus().toString());
    assertTrue(refused.getStatus().getDescription().contains(field), field + " not named in: "
        + refused.getStatus().getDescription());
  }

  /**
   * Text over the character caps is refused before any backend call, on both RPCs, as
   * OUT_OF_RANGE (what llm-service answers for a context overflow), naming the cap's key.
   */
  @Test
  void textOverTheCharacterCapIsOutOfRangeOnBothRpcs() {
    String huge = "a".repeat(131_073);
    StatusRuntimeException complete = refusal(() -> alice().complete(dev.varco.proto.chat.v1.ChatRequest.newBuilder()
        .addMessages(message("user", text(huge))).build()).forEachRemaining(response -> { }));
    assertEquals(Status.Code.OUT_OF_RANGE, complete.getStatus().getCode(), complete.getStatus().toString());
    assertTrue(complete.getStatus().getDescription().contains("varco.gateway.max-message-chars"),
        complete.getStatus().getDescription());
    StatusRuntimeException respond = refusal(() -> respond(alice(), RespondRequest.newBuilder().setStore(false)
        .addInput(text(huge)).build()));
    assertEquals(Status.Code.OUT_OF_RANGE, respond.getStatus().getCode(), respond.getStatus().toString());
  }
}
