package dev.varco.gateway.session;

import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatTurn;
import dev.varco.gateway.routing.Affinity;
import dev.varco.gateway.upstream.GenerationListener;
import dev.varco.gateway.upstream.LanguageModelClient;
import dev.varco.gateway.upstream.UpstreamFailure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * A begun turn of a server-side conversation ({@link ConversationTurns#begin}): it may hold its
 * conversation, and ends in exactly one of three ways. {@link #generate} answers it and records
 * the whole turn when the answer is complete; {@link #cancel} (the client went away) and {@link
 * #release} (the edge refused it after all) record nothing. Each frees the conversation, the first
 * before the listener hears the outcome, so a client's next turn never finds it still busy.
 */
public final class PendingTurn {
  private static final Logger LOG = Logger.getLogger(PendingTurn.class);

  private final ConversationStore store;
  private final LanguageModelClient languageModel;
  private final Vertx vertx;
  private final String owner;
  private final TurnRequest request;
  private final String responseId;
  private final String itemId;
  private final ChatTurn chatTurn;
  private final AtomicBoolean released = new AtomicBoolean();
  private boolean cancelled;
  /** The answer is complete and being recorded: the recording frees the conversation, not a late cancel. */
  private boolean completing;
  private LanguageModelClient.Generation generation;
  private volatile ResponseRecord inProgress;
  /** The response an earlier try with the same idempotency key recorded; null for a new turn. */
  private ResponseRecord recorded;

  PendingTurn(ConversationStore store, LanguageModelClient languageModel, Vertx vertx, String owner,
      TurnRequest request, String responseId, String itemId, ChatTurn chatTurn) {
    this.store = store;
    this.languageModel = languageModel;
    this.vertx = vertx;
    this.owner = owner;
    this.request = request;
    this.responseId = responseId;
    this.itemId = itemId;
    this.chatTurn = chatTurn;
  }

  /** A turn already recorded by an earlier try: {@link #generate} tells its answer again, records nothing. */
  static PendingTurn replay(ConversationStore store, LanguageModelClient languageModel, Vertx vertx, String owner,
      TurnRequest request, ResponseRecord recorded) {
    PendingTurn turn = new PendingTurn(store, languageModel, vertx, owner, request, recorded.id(),
        recorded.output().isEmpty() ? SessionIds.item() : recorded.output().getFirst().id(), null);
    turn.recorded = recorded;
    return turn;
  }

  /** Whether this turn was recorded before (an idempotent retry) and is only told again. */
  public boolean replays() {
    return recorded != null;
  }

  /** The id the assistant's answer item will have. */
  public String itemId() {
    return itemId;
  }

  /** The response as it stands while the answer streams; null before {@link #generate}. */
  public ResponseRecord inProgress() {
    return inProgress;
  }

  /** Starts the answer from {@code model}; does nothing after {@link #cancel}. */
  public void generate(String model, String requestId, TurnListener listener) {
    if (recorded != null) {
      tellAgain(listener);
      return;
    }
    int maxTokens = request.sampling().maxTokens();
    inProgress = new ResponseRecord(responseId, System.currentTimeMillis() / 1000, model, "in_progress", null,
        request.conversationId(), request.previousResponseId(), request.instructions(),
        request.sampling().temperature(), request.sampling().topP(),
        maxTokens == 0 ? OptionalInt.empty() : OptionalInt.of(maxTokens), request.metadata(), List.of(), null);
    synchronized (this) {
      if (cancelled) {
        return;
      }
      // A conversation stays on its replica; a previous_response_id chain routes by its beginning.
      Affinity affinity = request.conversationId() != null
          ? Affinity.conversation(request.conversationId()) : Affinity.stateless(owner, chatTurn);
      generation = languageModel.generate(chatTurn, requestId, owner, affinity, new Recorder(listener));
    }
  }

  /** Frees the conversation, then tells the recorded answer as if it streamed now, in one piece. */
  private void tellAgain(TurnListener listener) {
    ResponseRecord r = recorded;
    inProgress = new ResponseRecord(r.id(), r.createdAt(), r.model(), "in_progress", null, r.conversationId(),
        r.previousResponseId(), r.instructions(), r.temperature(), r.topP(), r.maxOutputTokens(), r.metadata(),
        List.of(), null);
    StringBuilder text = new StringBuilder();
    r.output().forEach(item -> item.content().forEach(content -> {
      if (content instanceof ItemContent.OutputText output) {
        text.append(output.text());
      }
    }));
    release().onComplete(freed -> {
      if (!text.isEmpty()) {
        listener.onDelta(text.toString(), List.of());
      }
      listener.onCompleted(r, "incomplete".equals(r.status()) ? GenerationListener.FinishReason.LENGTH
          : GenerationListener.FinishReason.STOP);
    });
  }

  /**
   * The client went away: stops the answer upstream, records nothing and frees the conversation.
   * Once the answer is complete it is recorded all the same (the client may come back for it).
   */
  public void cancel() {
    LanguageModelClient.Generation running;
    synchronized (this) {
      if (completing) {
        return;
      }
      cancelled = true;
      running = generation;
    }
    if (running != null) {
      running.cancel();
    }
    release();
  }

  /** The running answer as a {@link LanguageModelClient.Generation}: pause and resume it, or cancel the turn. */
  public LanguageModelClient.Generation control() {
    return new LanguageModelClient.Generation() {
      @Override
      public void cancel() {
        PendingTurn.this.cancel();
      }

      @Override
      public void pause() {
        LanguageModelClient.Generation running = running();
        if (running != null) {
          running.pause();
        }
      }

      @Override
      public void resume() {
        LanguageModelClient.Generation running = running();
        if (running != null) {
          running.resume();
        }
      }
    };
  }

  private synchronized LanguageModelClient.Generation running() {
    return generation;
  }

  /**
   * Frees the conversation without answering; idempotent, and safe on an event loop (the store is
   * written on a worker). Completes when the conversation is free: an edge that answers after it
   * never sends a client whose next turn finds the conversation still busy.
   */
  public Future<Void> release() {
    if (!released.compareAndSet(false, true) || request.conversationId() == null) {
      return Future.succeededFuture();
    }
    return vertx.<Void>executeBlocking(() -> {
      store.endTurn(request.conversationId(), responseId);
      return null;
    }, false).recover(e -> {
      LOG.warnf(e, "could not end the turn %s of %s", responseId, request.conversationId());
      return Future.succeededFuture();
    });
  }

  /** Frees the conversation on the calling (worker) thread. */
  private void releaseHere() {
    if (released.compareAndSet(false, true) && request.conversationId() != null) {
      store.endTurn(request.conversationId(), responseId);
    }
  }

  /** Collects the answer, records the turn when it completes, and frees the conversation however it ends. */
  private final class Recorder implements GenerationListener {
    private final TurnListener listener;
    private final StringBuilder text = new StringBuilder();

    Recorder(TurnListener listener) {
      this.listener = listener;
    }

    @Override
    public void onDelta(String delta, List<TokenLogprob> logprobs) {
      text.append(delta);
      listener.onDelta(delta, logprobs);
    }

    @Override
    public void onCompletion(FinishReason finishReason, TokenUsage usage) {
      synchronized (PendingTurn.this) {
        completing = true;
      }
      ResponseRecord started = inProgress;
      ConversationItem answer = new ConversationItem(itemId, ChatMessage.Role.ASSISTANT,
          List.of(new ItemContent.OutputText(text.toString())), System.currentTimeMillis() / 1000);
      boolean incomplete = finishReason == FinishReason.LENGTH;
      ResponseRecord done = new ResponseRecord(responseId, started.createdAt(), started.model(),
          incomplete ? "incomplete" : "completed", incomplete ? "max_output_tokens" : null,
          started.conversationId(), started.previousResponseId(), started.instructions(), started.temperature(),
          started.topP(), started.maxOutputTokens(), started.metadata(), List.of(answer),
          new ResponseRecord.Usage(usage.promptTokens(), usage.completionTokens(), usage.cachedTokens(),
              usage.imageTokens()));
      // Recorded in one transaction before anyone hears the turn completed; freed either way.
      vertx.executeBlocking(() -> {
        try {
          if (request.store()) {
            store.recordTurn(owner, new TurnRecord(request.input(), done));
          }
        } finally {
          releaseHere();
        }
        return done;
      }, false).onComplete(recorded -> {
        if (recorded.succeeded()) {
          listener.onCompleted(done, finishReason);
        } else {
          if (recorded.cause() instanceof StoreFailure unavailable) {
            LOG.warnf("recording response %s failed: %s", responseId, unavailable.getMessage());
          } else if (!(recorded.cause() instanceof UnknownIdException)) {
            LOG.errorf(recorded.cause(), "recording response %s failed", responseId);
          }
          listener.onNotRecorded(recorded.cause() instanceof RuntimeException e ? e
              : new StoreFailure("recording response " + responseId + " failed", recorded.cause()));
        }
      });
    }

    @Override
    public void onFailure(UpstreamFailure failure) {
      vertx.executeBlocking(() -> {
        releaseHere();
        return null;
      }, false).onComplete(freed -> listener.onFailure(failure));
    }
  }
}
