package dev.varco.vision.api;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The request's {@code sha256}: computed when the caller leaves it empty, verified when given,
 * so that callers can key their embedding caches on it and trust the match.
 */
final class ImageDigest {
  private static final Pattern LOWER_HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

  private ImageDigest() {}

  static String resolve(byte[] image, String claimed) {
    if (!claimed.isEmpty() && !LOWER_HEX_SHA256.matcher(claimed).matches()) {
      throw new InvalidRequestException("sha256 must be 64 lower-case hex characters or empty, got '"
          + (claimed.length() > 80 ? claimed.substring(0, 80) + "..." : claimed) + "'");
    }
    String actual = sha256(image);
    if (!claimed.isEmpty() && !claimed.equals(actual)) {
      throw new InvalidRequestException("sha256 " + claimed + " does not match the image bytes (their sha256 is " + actual + ")");
    }
    return actual;
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }
}
