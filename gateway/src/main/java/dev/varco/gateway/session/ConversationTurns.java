package dev.varco.gateway.session;

import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.ChatTurn;
import dev.varco.gateway.chat.ChatTurnRules;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.upstream.LanguageModelClient;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Starts the turns of server-side conversations for every edge (REST Responses API, gRPC {@code
 * Respond}): holds the conversation, reads the earlier turns as their owner, and builds the whole
 * conversation for the model under {@link ChatTurnRules}. The {@link PendingTurn} it returns
 * generates the answer, records it and frees the conversation.
 */
@ApplicationScoped
public class ConversationTurns {

  @Inject ConversationStore store;
  @Inject ChatTurnRules rules;
  @Inject LanguageModelClient languageModel;
  @Inject Vertx vertx;

  /** Longest a generation may run upstream; a conversation's turn mark outlives it by a minute. */
  @ConfigProperty(name = "varco.upstream.generation-timeout")
  Duration generationTimeout;

  /**
   * Begins a turn of {@code owner}. Blocks (it reads the store): never call it on an event loop.
   *
   * @throws UnknownIdException the conversation or previous response is unknown or another owner's
   * @throws ConversationBusyException another turn of the conversation is in progress
   * @throws ConversationLimitException the conversation with this turn is over a turn limit
   * @throws InvalidRequestException the turn breaks a rule; messages-wide fields are named {@code input}
   */
  public PendingTurn begin(String owner, TurnRequest request) {
    return begin(owner, request, null);
  }

  /**
   * As {@link #begin(String, TurnRequest)}, for a turn the client may send again: every try with
   * {@code idempotencyKey} (null: none) records under one response id, so the turn is recorded
   * once. When that response is already recorded, the turn returned answers with it again
   * instead of asking the model ({@link PendingTurn#replays()}).
   */
  public PendingTurn begin(String owner, TurnRequest request, String idempotencyKey) {
    String responseId = idempotencyKey == null ? SessionIds.response() : SessionIds.response(owner, idempotencyKey);
    String conversationId = request.conversationId();
    if (conversationId != null) {
      // Checked before the hold, so another owner's busy conversation is unknown, not busy.
      if (store.conversation(owner, conversationId).isEmpty()) {
        throw new UnknownIdException("conversation", conversationId);
      }
      // Held before its history is read, so no other turn is recorded between the history this
      // turn answers and this turn.
      if (!store.beginTurn(conversationId, responseId, generationTimeout.plusMinutes(1))) {
        throw new ConversationBusyException(conversationId);
      }
    }
    try {
      if (idempotencyKey != null) {
        // Read under the conversation's hold: an earlier try has either recorded the turn, or holds
        // it (busy above), or ended without recording (then this try answers it).
        var recorded = store.response(owner, responseId);
        if (recorded.isPresent()) {
          return PendingTurn.replay(store, languageModel, vertx, owner, request, recorded.get());
        }
      }
      List<ConversationItem> earlier;
      if (conversationId != null) {
        earlier = store.history(owner, conversationId)
            .orElseThrow(() -> new UnknownIdException("conversation", conversationId));
      } else if (request.previousResponseId() != null) {
        earlier = store.responseChain(owner, request.previousResponseId())
            .orElseThrow(() -> new UnknownIdException("response", request.previousResponseId()));
      } else {
        earlier = List.of();
      }
      return new PendingTurn(store, languageModel, vertx, owner, request, responseId, SessionIds.item(),
          turn(request, earlier));
    } catch (RuntimeException e) {
      if (conversationId != null) {
        store.endTurn(conversationId, responseId);
      }
      throw e;
    }
  }

  /**
   * The whole conversation for the model: this turn's instructions as a system message, the
   * earlier items, then the new input. The rules apply to it all (images and messages are counted
   * over the whole conversation); a refusal about the messages names {@code input}.
   */
  private ChatTurn turn(TurnRequest request, List<ConversationItem> earlier) {
    ChatTurn whole = chatTurn(request, earlier);
    try {
      rules.check(whole);
      return whole;
    } catch (InvalidRequestException e) {
      InvalidRequestException renamed = renamed(e);
      if (earlier.isEmpty()) {
        throw renamed;
      }
      try {
        rules.check(chatTurn(request, List.of()));
      } catch (InvalidRequestException alone) {
        throw renamed;
      }
      // The input alone passes: the history is what no longer fits.
      throw new ConversationLimitException(renamed.param(), renamed.getMessage());
    }
  }

  private static ChatTurn chatTurn(TurnRequest request, List<ConversationItem> earlier) {
    List<ChatMessage> messages = new ArrayList<>();
    if (request.instructions() != null) {
      messages.add(new ChatMessage(ChatMessage.Role.SYSTEM, List.of(new ChatPart.Text(request.instructions()))));
    }
    earlier.forEach(item -> messages.add(item.toChatMessage()));
    request.input().forEach(item -> messages.add(item.toChatMessage()));
    return new ChatTurn(messages, request.sampling());
  }

  private static InvalidRequestException renamed(InvalidRequestException e) {
    if (e.param() == null || !e.param().startsWith("messages")) {
      return e;
    }
    return new InvalidRequestException("input", e.getMessage().replace("'messages'", "the conversation"), e.code());
  }
}
