package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.varco.gateway.chat.InvalidRequestException;
import java.util.OptionalDouble;

/**
 * Typed reads of optional fields of an OpenAI request body; a value of the wrong type is an
 * {@link InvalidRequestException} naming the field. Absent and {@code null} mean "not given".
 */
final class JsonFields {
  private JsonFields() {}

  static String optionalText(JsonNode node, String field) {
    return optionalText(node, field, field);
  }

  /** {@code param} names the field in errors when it is nested (e.g. {@code input[0].role}). */
  static String optionalText(JsonNode node, String field, String param) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return null;
    }
    if (!value.isTextual()) {
      throw new InvalidRequestException(param, param + " must be a string");
    }
    return value.asText();
  }

  static boolean optionalBoolean(JsonNode node, String field, boolean fallback) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isBoolean()) {
      throw new InvalidRequestException(field, field + " must be true or false");
    }
    return value.asBoolean();
  }

  static OptionalDouble optionalNumber(JsonNode node, String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return OptionalDouble.empty();
    }
    if (!value.isNumber()) {
      throw new InvalidRequestException(field, field + " must be a number");
    }
    return OptionalDouble.of(value.asDouble());
  }

  static int optionalInt(JsonNode node, String field, int fallback, int min, int max) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < min || value.asInt() > max) {
      throw new InvalidRequestException(field, field + " must be an integer"
          + (min == Integer.MIN_VALUE && max == Integer.MAX_VALUE ? "" : " between " + min + " and " + max));
    }
    return value.asInt();
  }

  /** A client's text quoted in an error, cut to 40 characters. */
  static String abbreviate(String text) {
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }
}
