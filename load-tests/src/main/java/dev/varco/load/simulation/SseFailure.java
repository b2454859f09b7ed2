package dev.varco.load.simulation;

import io.gatling.javaapi.core.Session;
import java.lang.reflect.Field;
import java.util.Optional;

/**
 * Why Gatling's SSE stream of a session failed, e.g. {@code Server returned http response with code
 * 429} or {@code End of stream}. Gatling's Java API does not expose it (the status of a refused SSE
 * request reaches only its own report), so it is read from the stream's state object: private fields
 * of gatling-http 3.15 ({@code SseFsm.currentState}, {@code SseCrashedState.errorMessage}). If a
 * Gatling upgrade renames them, the cause reads as "unreadable" rather than breaking the run.
 */
final class SseFailure {
  private SseFailure() {}

  static Optional<String> of(Session session, String sseName) {
    if (!session.contains(sseName)) {
      return Optional.empty();
    }
    try {
      Object fsm = session.get(sseName);
      Object state = field(fsm, "currentState");
      if (!state.getClass().getSimpleName().equals("SseCrashedState")) {
        return Optional.empty();
      }
      return Optional.of(String.valueOf(field(state, "errorMessage")));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return session.isFailed() ? Optional.of("failure cause unreadable (" + e + ")") : Optional.empty();
    }
  }

  private static Object field(Object target, String name) throws ReflectiveOperationException {
    Field field = target.getClass().getDeclaredField(name);
    field.setAccessible(true);
    return field.get(target);
  }
}
