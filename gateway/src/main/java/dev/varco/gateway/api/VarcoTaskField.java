package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.varco.gateway.chat.InvalidRequestException;
import dev.varco.gateway.tasks.InputBox;
import dev.varco.gateway.tasks.VarcoTask;

/**
 * Reads the {@code varco_task} extension of a chat-completions body:
 *
 * <pre>
 * {"type": "ocr"} | {"type": "grounding"}
 * {"type": "referring", "box": {"x1": 10, "y1": 20, "x2": 200, "y2": 180, "units": "pixels"}, "phrase": "이 물건"}
 * </pre>
 *
 * {@code units} is {@code pixels} (of the original, upright image) or {@code normalized} (0..1).
 */
final class VarcoTaskField {
  static final String NAME = "varco_task";

  private VarcoTaskField() {}

  /** The task, or null when the body names none. */
  static VarcoTask parse(JsonNode body) {
    JsonNode node = body.get(NAME);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isObject()) {
      throw new InvalidRequestException(NAME, NAME + " must be an object such as {\"type\": \"grounding\"}");
    }
    JsonNode type = node.get("type");
    if (type == null || !type.isTextual()) {
      throw new InvalidRequestException(NAME + ".type", NAME + ".type must be one of ocr, grounding, referring");
    }
    return switch (type.asText()) {
      case "ocr" -> new VarcoTask.Ocr();
      case "grounding" -> new VarcoTask.Grounding();
      case "referring" -> new VarcoTask.Referring(box(node.get("box")), phrase(node.get("phrase")));
      default -> throw new InvalidRequestException(NAME + ".type",
          NAME + ".type '" + type.asText() + "' is not a task: use ocr, grounding or referring");
    };
  }

  private static InputBox box(JsonNode box) {
    String field = NAME + ".box";
    if (box == null || !box.isObject()) {
      throw new InvalidRequestException(field,
          "the referring task needs " + field + ": {\"x1\", \"y1\", \"x2\", \"y2\", \"units\": \"pixels\" | \"normalized\"}");
    }
    JsonNode units = box.get("units");
    InputBox.Units parsedUnits;
    if (units != null && units.isTextual() && units.asText().equals("pixels")) {
      parsedUnits = InputBox.Units.PIXELS;
    } else if (units != null && units.isTextual() && units.asText().equals("normalized")) {
      parsedUnits = InputBox.Units.NORMALIZED;
    } else {
      throw new InvalidRequestException(field + ".units", field + ".units must be \"pixels\" or \"normalized\"");
    }
    return new InputBox(number(box, "x1"), number(box, "y1"), number(box, "x2"), number(box, "y2"), parsedUnits);
  }

  private static double number(JsonNode box, String name) {
    JsonNode value = box.get(name);
    if (value == null || !value.isNumber()) {
      throw new InvalidRequestException(NAME + ".box." + name, NAME + ".box." + name + " must be a number");
    }
    return value.asDouble();
  }

  private static String phrase(JsonNode phrase) {
    if (phrase == null || phrase.isNull()) {
      return null;
    }
    if (!phrase.isTextual()) {
      throw new InvalidRequestException(NAME + ".phrase", NAME + ".phrase must be a string");
    }
    return phrase.asText();
  }
}
