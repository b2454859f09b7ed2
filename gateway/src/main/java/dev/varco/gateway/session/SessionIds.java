package dev.varco.gateway.session;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Fresh ids in OpenAI's style: a type prefix and 48 random hex digits. */
public final class SessionIds {
  private static final SecureRandom RANDOM = new SecureRandom();

  private SessionIds() {}

  public static String conversation() {
    return "conv_" + random();
  }

  public static String item() {
    return "msg_" + random();
  }

  public static String response() {
    return "resp_" + random();
  }

  /**
   * The id of the response a turn with this idempotency key records: the same for every retry of
   * one caller's turn (so the store, which refuses a second response with an id, records it once),
   * different between callers.
   */
  public static String response(String owner, String idempotencyKey) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest((owner + "\n" + idempotencyKey).getBytes(StandardCharsets.UTF_8));
      return "resp_" + HexFormat.of().formatHex(digest, 0, 24);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  private static String random() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
