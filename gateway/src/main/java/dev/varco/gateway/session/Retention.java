package dev.varco.gateway.session;

import java.time.Duration;

/**
 * What a store keeps: conversations idle (nothing written to them) longer than {@code
 * conversationMaxAge} go, and so do responses created longer than {@code responseMaxAge} ago;
 * beyond {@code maxConversationsPerKey} / {@code maxResponsesPerKey} a key's least recently active
 * conversations and oldest responses go. A zero duration or count means no limit of that kind.
 */
public record Retention(Duration conversationMaxAge, int maxConversationsPerKey, Duration responseMaxAge,
    int maxResponsesPerKey) {

  /** Keeps everything. */
  public static final Retention KEEP_ALL = new Retention(Duration.ZERO, 0, Duration.ZERO, 0);

  public Retention {
    require(!conversationMaxAge.isNegative(), "conversation-max-age", conversationMaxAge);
    require(!responseMaxAge.isNegative(), "response-max-age", responseMaxAge);
    require(maxConversationsPerKey >= 0, "max-conversations-per-key", maxConversationsPerKey);
    require(maxResponsesPerKey >= 0, "max-responses-per-key", maxResponsesPerKey);
  }

  /** True when some limit is set, so a sweeper has something to do. */
  public boolean limitsAnything() {
    return !conversationMaxAge.isZero() || !responseMaxAge.isZero() || maxConversationsPerKey > 0
        || maxResponsesPerKey > 0;
  }

  /** For the start-up log, in the configuration's terms. */
  @Override
  public String toString() {
    return "conversations: idle max " + limit(conversationMaxAge) + ", per key " + limit(maxConversationsPerKey)
        + "; responses: max age " + limit(responseMaxAge) + ", per key " + limit(maxResponsesPerKey);
  }

  private static String limit(Object value) {
    return value.equals(Duration.ZERO) || value.equals(0) ? "none" : value.toString();
  }

  private static void require(boolean ok, String key, Object value) {
    if (!ok) {
      throw new IllegalArgumentException("varco.gateway.store.retention." + key + " is " + value
          + "; it must be zero (no limit) or positive");
    }
  }
}
