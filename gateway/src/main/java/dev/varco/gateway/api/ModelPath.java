package dev.varco.gateway.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** The model id of a {@code /v1/models/{id}} path: the rest of the path, percent-decoded. */
final class ModelPath {
  static final String PREFIX = "/v1/models/";

  private ModelPath() {}

  static String id(String path) {
    String raw = path.substring(PREFIX.length());
    try {
      // A '+' in a path is a plus, not a space (URLDecoder decodes form encoding).
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return raw; // a stray '%': the id as written, which then names no model
    }
  }
}
