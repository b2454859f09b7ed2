package dev.varco.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.gateway.tasks.LocatedBox;
import dev.varco.gateway.tasks.LocatedText;
import dev.varco.gateway.tasks.SkippedFragment;
import dev.varco.gateway.tasks.TaskOutput;
import dev.varco.gateway.tasks.TaskTurn;
import java.util.List;

/**
 * The {@code varco_task} object of a chat-completions answer: what the task's answer says as data.
 *
 * <pre>
 * {"type": "grounding", "image": {"width": 640, "height": 480}, "text": "two cats on a sofa",
 *  "phrases": [{"text": "two cats", "start": 0, "end": 8,
 *               "boxes": [{"normalized": [0.014, 0.106, 0.51, 0.996], "pixels": [9, 51, 326, 478]}]}],
 *  "ocr_lines": [], "skipped": [{"offset": 40, "fragment": "<bbox>0.1, x", "reason": "..."}], "skipped_count": 1}
 * </pre>
 */
final class TaskOutputJson {
  private TaskOutputJson() {}

  static ObjectNode of(ObjectMapper json, TaskTurn task, TaskOutput output) {
    ObjectNode node = json.createObjectNode();
    node.put("type", task.taskName());
    ObjectNode image = node.putObject("image");
    image.put("width", task.imageSize().width());
    image.put("height", task.imageSize().height());
    node.put("text", output.text());
    located(node.putArray("phrases"), output.phrases());
    located(node.putArray("ocr_lines"), output.ocrLines());
    ArrayNode skipped = node.putArray("skipped");
    for (SkippedFragment fragment : output.skipped()) {
      ObjectNode entry = skipped.addObject();
      entry.put("offset", fragment.offset());
      entry.put("fragment", fragment.fragment());
      entry.put("reason", fragment.reason());
    }
    node.put("skipped_count", output.skippedCount());
    return node;
  }

  private static void located(ArrayNode target, List<LocatedText> items) {
    for (LocatedText item : items) {
      ObjectNode entry = target.addObject();
      entry.put("text", item.text());
      entry.put("start", item.start());
      entry.put("end", item.end());
      ArrayNode boxes = entry.putArray("boxes");
      for (LocatedBox box : item.boxes()) {
        ObjectNode b = boxes.addObject();
        b.putArray("normalized").add(box.normalized().x1()).add(box.normalized().y1())
            .add(box.normalized().x2()).add(box.normalized().y2());
        b.putArray("pixels").add(box.pixels().x1()).add(box.pixels().y1()).add(box.pixels().x2()).add(box.pixels().y2());
      }
    }
  }
}
