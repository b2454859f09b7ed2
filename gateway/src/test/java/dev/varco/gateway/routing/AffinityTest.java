package dev.varco.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatMessage.Role;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.ChatTurn;
import dev.varco.gateway.chat.Sampling;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class AffinityTest {
  private static final Sampling SAMPLING = Sampling.basic(0.0, 0, OptionalLong.empty());

  private static ChatMessage message(Role role, String text) {
    return new ChatMessage(role, List.of(new ChatPart.Text(text)));
  }

  private static ChatTurn turn(ChatMessage... messages) {
    return new ChatTurn(List.of(messages), SAMPLING);
  }

  @Test
  void aStatelessConversationKeepsItsKeyFromTurnToTurn() {
    ChatTurn first = turn(message(Role.SYSTEM, "be brief"), message(Role.USER, "안녕하세요"));
    ChatTurn second = turn(message(Role.SYSTEM, "be brief"), message(Role.USER, "안녕하세요"),
        message(Role.ASSISTANT, "네"), message(Role.USER, "이 사진은?"));
    assertEquals(Affinity.stateless("alice", first), Affinity.stateless("alice", second));
    assertEquals("", Affinity.stateless("alice", first).sessionId(), "no conversation id to pass on");
  }

  @Test
  void callersAndFirstQuestionsSeparateConversations() {
    ChatTurn hello = turn(message(Role.SYSTEM, "be brief"), message(Role.USER, "hello"));
    assertNotEquals(Affinity.stateless("alice", hello).key(), Affinity.stateless("bob", hello).key());
    // A shared system prompt alone does not send every conversation to one replica.
    assertNotEquals(Affinity.stateless("alice", hello).key(),
        Affinity.stateless("alice", turn(message(Role.SYSTEM, "be brief"), message(Role.USER, "bonjour"))).key());
    // Text boundaries count: ("ab", "c") is not ("a", "bc").
    assertNotEquals(
        Affinity.stateless("a", turn(new ChatMessage(Role.USER, List.of(new ChatPart.Text("ab"), new ChatPart.Text("c"))))).key(),
        Affinity.stateless("a", turn(new ChatMessage(Role.USER, List.of(new ChatPart.Text("a"), new ChatPart.Text("bc"))))).key());
  }

  @Test
  void aServerSideConversationRoutesByItsIdAndPassesIt() {
    Affinity affinity = Affinity.conversation("conv_123");
    assertEquals("conv_123", affinity.sessionId());
    assertEquals(affinity, Affinity.conversation("conv_123"));
    assertNotEquals(affinity.key(), Affinity.conversation("conv_124").key());
  }
}
