package dev.varco.gateway.api;

import dev.varco.gateway.chat.InvalidRequestException;

/**
 * The {@code Idempotency-Key} a client may send with a turn-creating request (REST header, gRPC
 * metadata {@code idempotency-key}): retries carrying one key record the turn once. A key is 1-255
 * printable ASCII characters (a UUID, say), as Stripe and the IETF draft use it.
 */
final class IdempotencyKey {
  static final String HEADER = "Idempotency-Key";
  static final int MAX_CHARS = 255;

  private IdempotencyKey() {}

  /** The key, null when none was sent; a malformed one is refused naming the header. */
  static String read(String value) {
    if (value == null) {
      return null;
    }
    if (value.isEmpty() || value.length() > MAX_CHARS) {
      throw new InvalidRequestException(HEADER, HEADER + " must be 1 to " + MAX_CHARS + " characters, got "
          + value.length());
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new InvalidRequestException(HEADER, HEADER + " must be printable ASCII; character " + i + " is not");
      }
    }
    return value;
  }
}
