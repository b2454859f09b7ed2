package dev.varco.llm.engine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A request's cancellation handle; {@link #cancel()} stops its work and frees its slot. */
public final class GenerationTicket {
  private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();
  private volatile boolean cancelled;

  public void cancel() {
    cancelled = true;
    onCancel.forEach(Runnable::run);
  }

  public boolean isCancelled() {
    return cancelled;
  }

  /** Runs {@code action} on cancellation (at once if already cancelled; it may run twice). */
  void whenCancelled(Runnable action) {
    onCancel.add(action);
    if (cancelled) {
      action.run();
    }
  }
}
