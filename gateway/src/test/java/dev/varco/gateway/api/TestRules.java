package dev.varco.gateway.api;

import dev.varco.gateway.chat.ChatLimits;
import dev.varco.gateway.chat.ChatTurnRules;

/** Turn rules with small limits, for tests of the edges that need no running gateway. */
final class TestRules {
  private TestRules() {}

  /** 2 images of at most 64 bytes, 4 messages, 1000 characters a message and 1500 a request, 100 completion tokens. */
  static ChatTurnRules small() {
    return withImageBytes(64);
  }

  /** As {@link #small()} with another per-image byte limit (for real image files). */
  static ChatTurnRules withImageBytes(int maxImageBytes) {
    return new ChatTurnRules(new ChatLimits() {
      public long maxBodyBytes() { return 1 << 20; }
      public java.time.Duration bodyReadTimeout() { return java.time.Duration.ofSeconds(60); }
      public int maxImages() { return 2; }
      public int maxImageBytes() { return maxImageBytes; }
      public int maxMessages() { return 4; }
      public int maxMessageChars() { return 1000; }
      public int maxRequestChars() { return 1500; }
      public int maxCompletionTokens() { return 100; }
    });
  }
}
