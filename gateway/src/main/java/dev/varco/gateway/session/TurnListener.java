package dev.varco.gateway.session;

import dev.varco.gateway.upstream.GenerationListener.FinishReason;
import dev.varco.gateway.upstream.GenerationListener.TokenLogprob;
import dev.varco.gateway.upstream.UpstreamFailure;
import java.util.List;

/**
 * Receives the answer of a {@link PendingTurn}. Exactly one of {@link #onCompleted}, {@link
 * #onFailure} and {@link #onNotRecorded} ends it, unless the turn is cancelled; by then the
 * conversation is free for its next turn. Called on gRPC or Vert.x threads, one call at a time.
 */
public interface TurnListener {

  /** A piece of the answer, as the language model streamed it. */
  void onDelta(String text, List<TokenLogprob> logprobs);

  /** The answer is complete and, unless the turn asked not to be stored, recorded. */
  void onCompleted(ResponseRecord response, FinishReason finishReason);

  /** The language model failed; nothing was recorded. */
  void onFailure(UpstreamFailure failure);

  /**
   * The answer is complete but could not be recorded, so nothing of the turn was kept: {@link
   * UnknownIdException} when the conversation was deleted during the turn, else a store failure.
   */
  void onNotRecorded(RuntimeException cause);
}
