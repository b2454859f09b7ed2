package dev.varco.gateway.routing;

import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.ChatTurn;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What keeps a turn on the llm-service replica that served the turns before it (the replica
 * holding the conversation's KV cache).
 *
 * @param key the routing key rendezvous hashing places on a replica
 * @param sessionId the conversation id passed to llm-service as {@code session_id} (for its logs);
 *     empty for a stateless chat completion
 */
public record Affinity(String key, String sessionId) {

  /** A server-side conversation: every turn of it routes alike. */
  public static Affinity conversation(String conversationId) {
    return new Affinity("conversation:" + conversationId, conversationId);
  }

  /**
   * A stateless chat completion: the client resends the whole conversation each turn, so its
   * beginning (up to and including the first user message) identifies it, within one caller.
   */
  public static Affinity stateless(String caller, ChatTurn turn) {
    MessageDigest digest = sha256();
    for (ChatMessage message : turn.messages()) {
      update(digest, message.role().wireName());
      for (ChatPart part : message.parts()) {
        switch (part) {
          case ChatPart.Text text -> update(digest, "text:" + text.text());
          case ChatPart.Image image -> {
            update(digest, "image:");
            digest.update(image.bytes());
          }
        }
      }
      if (message.role() == ChatMessage.Role.USER) {
        break;
      }
    }
    return new Affinity("chat:" + caller + ":" + HexFormat.of().formatHex(digest.digest()), "");
  }

  private static void update(MessageDigest digest, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
    digest.update(new byte[] {(byte) (bytes.length >>> 24), (byte) (bytes.length >>> 16), (byte) (bytes.length >>> 8), (byte) bytes.length});
    digest.update(bytes);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
