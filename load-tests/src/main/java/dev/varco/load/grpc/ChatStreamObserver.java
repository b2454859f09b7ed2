package dev.varco.load.grpc;

import dev.varco.proto.chat.v1.ChatResponse;
import io.grpc.stub.StreamObserver;

/**
 * Times one {@code Chat/Complete} or {@code Chat/Respond} stream: non-empty deltas are output, {@code
 * done} the final message (its completion token count), completion without {@code done} a cut.
 */
final class ChatStreamObserver implements StreamObserver<ChatResponse> {
  private final TimedStream timed;
  private final Runnable then;
  private boolean done;

  /** @param then runs once the stream has ended, whichever way; {@code succeeded()} says how */
  ChatStreamObserver(TimedStream timed, Runnable then) {
    this.timed = timed;
    this.then = then;
  }

  @Override
  public void onNext(ChatResponse response) {
    if (response.hasDone()) {
      done = true;
      timed.done(response.getDone().getCompletionTokens());
    } else if (!response.getDelta().isEmpty()) {
      timed.output();
    }
  }

  @Override
  public void onError(Throwable error) {
    timed.failed(error);
    then.run();
  }

  @Override
  public void onCompleted() {
    if (!done) {
      timed.completedWithoutFinal();
    }
    then.run();
  }

  boolean succeeded() {
    return done;
  }
}
