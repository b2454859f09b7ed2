package dev.varco.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.gateway.chat.ChatTurn;
import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.proto.chat.v1.ChatMessage;
import dev.varco.proto.chat.v1.ChatPart;
import dev.varco.proto.chat.v1.ChatRequest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** gRPC {@code ChatRequest} decoding controls map to the same turn, and the same rules, as REST. */
class ChatGrpcServiceMappingTest {
  private final ChatTurnRules rules = TestRules.small();

  private static ChatRequest.Builder hello() {
    return ChatRequest.newBuilder().addMessages(ChatMessage.newBuilder().setRole("user")
        .addParts(ChatPart.newBuilder().setText("hi")));
  }

  private String refusedParam(ChatRequest.Builder request) {
    return assertThrows(InvalidRequestException.class, () -> rules.check(ChatGrpcService.toTurn(request.build()))).param();
  }

  @Test
  void mapsEveryControl() {
    ChatTurn turn = ChatGrpcService.toTurn(hello().setTemperature(0.5f).setMaxTokens(9).setSeed(3).setTopP(0.75f)
        .setTopK(20).setMinP(0.1f).setRepetitionPenalty(1.25f).setPresencePenalty(-1f).setFrequencyPenalty(0.5f)
        .addStop("END").setLogprobs(true).setTopLogprobs(2).build());
    rules.check(turn);
    var sampling = turn.sampling();
    assertEquals(0.5, sampling.temperature());
    assertEquals(9, sampling.maxTokens());
    assertEquals(3L, sampling.seed().getAsLong());
    assertEquals(0.75, sampling.topP().getAsDouble());
    assertEquals(20, sampling.topK());
    assertEquals(0.1f, (float) sampling.minP());
    assertEquals(1.25, sampling.repetitionPenalty().getAsDouble());
    assertEquals(-1.0, sampling.presencePenalty());
    assertEquals(0.5, sampling.frequencyPenalty());
    assertEquals(List.of("END"), sampling.stop());
    assertTrue(sampling.logprobs());
    assertEquals(2, sampling.topLogprobs());
  }

  @Test
  void unsetOptionalsStayUnset() {
    var sampling = ChatGrpcService.toTurn(hello().build()).sampling();
    assertTrue(sampling.topP().isEmpty());
    assertTrue(sampling.repetitionPenalty().isEmpty());
    assertTrue(sampling.seed().isEmpty());
  }

  @Test
  void outOfRangeValuesAreRefusedNamingTheField() {
    assertEquals("top_p", refusedParam(hello().setTopP(1.5f)));
    assertEquals("min_p", refusedParam(hello().setMinP(-0.1f)));
    assertEquals("repetition_penalty", refusedParam(hello().setRepetitionPenalty(0f)));
    assertEquals("presence_penalty", refusedParam(hello().setPresencePenalty(Float.NaN)));
    assertEquals("frequency_penalty", refusedParam(hello().setFrequencyPenalty(3f)));
    assertEquals("top_k", refusedParam(hello().setTopK(-5)));
    assertEquals("stop", refusedParam(hello().addAllStop(List.of("a", "b", "c", "d", "e"))));
    assertEquals("top_logprobs", refusedParam(hello().setTopLogprobs(2)));
    assertEquals("top_logprobs", refusedParam(hello().setLogprobs(true).setTopLogprobs(21)));
  }
}
