package dev.varco.gateway.session;

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

  private static String random() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }
}
