package dev.varco.gateway.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.ChatTurn;
import dev.varco.gateway.chat.Sampling;
import dev.varco.gateway.routing.Affinity;
import dev.varco.proto.llm.v1.SamplingParams;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class LanguageModelClientTest {
  private static final List<ChatMessage> HELLO = List.of(new ChatMessage(ChatMessage.Role.USER, List.of(new ChatPart.Text("hi"))));

  private static SamplingParams wire(Sampling sampling) {
    return LanguageModelClient.toRequest(new ChatTurn(HELLO, sampling), "r1").getSampling();
  }

  @Test
  void aConversationsIdTravelsAsSessionId() {
    ChatTurn turn = new ChatTurn(HELLO, Sampling.basic(0.0, 0, OptionalLong.empty()));
    assertEquals("conv_42", LanguageModelClient.toRequest(turn, "r1", Affinity.conversation("conv_42")).getSessionId());
    assertEquals("", LanguageModelClient.toRequest(turn, "r1", Affinity.stateless("alice", turn)).getSessionId());
    assertEquals("r1", LanguageModelClient.toRequest(turn, "r1", Affinity.conversation("conv_42")).getRequestId());
  }

  @Test
  void everyControlReachesSamplingParams() {
    SamplingParams wire = wire(new Sampling(0.5, 12, OptionalLong.of(7), OptionalDouble.of(0.9), 40, 0.05,
        OptionalDouble.of(1.2), -1.5, 1.5, List.of("END", "\n"), true, 5));
    assertEquals(0.5f, wire.getTemperature());
    assertEquals(12, wire.getMaxTokens());
    assertEquals(7L, wire.getSeed());
    assertEquals(0.9f, wire.getTopP());
    assertEquals(40, wire.getTopK());
    assertEquals(0.05f, wire.getMinP());
    assertEquals(1.2f, wire.getRepetitionPenalty());
    assertEquals(-1.5f, wire.getPresencePenalty());
    assertEquals(1.5f, wire.getFrequencyPenalty());
    assertEquals(List.of("END", "\n"), wire.getStopList());
    assertTrue(wire.getLogprobs());
    assertEquals(5, wire.getTopLogprobs());
  }

  @Test
  void unsetControlsStayUnsetOnTheWire() {
    SamplingParams wire = wire(Sampling.basic(0.0, 0, OptionalLong.empty()));
    assertFalse(wire.hasSeed());
    assertFalse(wire.hasTopP());
    assertFalse(wire.hasRepetitionPenalty());
    assertEquals(0, wire.getStopCount());
    assertFalse(wire.getLogprobs());
  }

  @Test
  void topPZeroKeepsOnlyTheMostLikelyToken() {
    SamplingParams wire = wire(new Sampling(1.0, 0, OptionalLong.empty(), OptionalDouble.of(0.0), 0, 0.0,
        OptionalDouble.empty(), 0.0, 0.0, List.of(), false, 0));
    assertTrue(wire.getTopP() > 0f && wire.getTopP() < 1e-30f, "top_p 0 must become the smallest positive mass");
  }

  @Test
  void cachePromptReachesTheRequestAndDefaultsToReuse() {
    Sampling greedy = Sampling.basic(0, 4, OptionalLong.empty());
    assertTrue(LanguageModelClient.toRequest(new ChatTurn(HELLO, greedy), "r1").getCachePrompt());
    assertFalse(LanguageModelClient.toRequest(new ChatTurn(HELLO, greedy, false), "r1").getCachePrompt());
  }
}
