package dev.varco.gateway.session;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A piece of a recorded message, in the Responses API's vocabulary. */
public sealed interface ItemContent {

  /** Text the client sent. */
  record InputText(String text) implements ItemContent {}

  /**
   * An image the client sent, kept whole so later turns can send it to the language model again.
   *
   * @param mediaType as the client declared it, e.g. {@code image/png}
   * @param sha256 lowercase hex digest of {@code bytes}
   */
  record InputImage(String mediaType, byte[] bytes, String sha256) implements ItemContent {
    public static InputImage of(String mediaType, byte[] bytes) {
      return new InputImage(mediaType, bytes, digest(bytes));
    }
  }

  /** Text the model answered. */
  record OutputText(String text) implements ItemContent {}

  static String digest(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
