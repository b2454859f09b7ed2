package dev.varco.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Reads required and optional fields of a config JSON, refusing with the field's full path. */
final class ConfigFields {
  private final JsonNode node;
  private final String where;

  ConfigFields(JsonNode node, String where) {
    this.node = node;
    this.where = where;
  }

  JsonNode required(String field) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      throw new UnsupportedCheckpointException(where + " has no '" + field + "'");
    }
    return value;
  }

  int requiredInt(String field) {
    JsonNode value = required(field);
    if (!value.canConvertToInt() || !value.isIntegralNumber()) {
      throw new UnsupportedCheckpointException(where + "." + field + " must be an integer, found " + value);
    }
    return value.intValue();
  }

  int optionalInt(String field, int fallback) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? fallback : requiredInt(field);
  }

  double optionalDouble(String field, double fallback) {
    JsonNode value = node.get(field);
    if (value == null || value.isNull()) {
      return fallback;
    }
    if (!value.isNumber()) {
      throw new UnsupportedCheckpointException(where + "." + field + " must be a number, found " + value);
    }
    return value.doubleValue();
  }

  String optionalText(String field, String fallback) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? fallback : value.asText();
  }

  boolean optionalBoolean(String field, boolean fallback) {
    JsonNode value = node.get(field);
    return value == null || value.isNull() ? fallback : value.asBoolean();
  }

  /** An integer or a list of integers (as {@code eos_token_id} may be); empty when absent. */
  List<Integer> intOrIntList(String field) {
    JsonNode value = node.get(field);
    List<Integer> ids = new ArrayList<>();
    if (value == null || value.isNull()) {
      return ids;
    }
    if (value.isArray()) {
      value.forEach(v -> ids.add(v.intValue()));
    } else if (value.isIntegralNumber()) {
      ids.add(value.intValue());
    } else {
      throw new UnsupportedCheckpointException(where + "." + field + " must be an integer or a list, found " + value);
    }
    return ids;
  }
}
