package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;

/**
 * Finds text a JSON body holds that is not Unicode: a UTF-16 surrogate without its partner, which
 * JSON can spell as {@code "\ud800"}. Stored or sent on, it would turn into {@code ?} (UTF-8 has no
 * encoding for it), so the client's text would change silently; the edge refuses it instead,
 * naming the field.
 */
final class UnpairedSurrogates {
  private UnpairedSurrogates() {}

  /** Where the first unpaired surrogate is, as an OpenAI param path ({@code messages[0].content}); null if none. */
  static Found find(JsonNode node) {
    return find(node, "");
  }

  /** @param path the field holding it; {@code inName} when it is in a field's name rather than its value */
  record Found(String path, int index, boolean inName) {
    String message() {
      String where = path.isEmpty() ? "the request body" : path;
      return where + ": " + (inName ? "a field name" : "the text") + " holds an unpaired UTF-16 surrogate at index "
          + index + "; text must be valid Unicode";
    }
  }

  private static Found find(JsonNode node, String path) {
    if (node.isTextual()) {
      int at = unpaired(node.textValue());
      return at < 0 ? null : new Found(path, at, false);
    }
    if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        Found found = find(node.get(i), path + "[" + i + "]");
        if (found != null) {
          return found;
        }
      }
    } else if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
        Map.Entry<String, JsonNode> field = fields.next();
        int at = unpaired(field.getKey());
        if (at >= 0) {
          return new Found(path, at, true);
        }
        Found found = find(field.getValue(), path.isEmpty() ? field.getKey() : path + "." + field.getKey());
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }

  /** The index of the first surrogate without its partner, or -1. */
  static int unpaired(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }
}
