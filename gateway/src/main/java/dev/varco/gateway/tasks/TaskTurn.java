package dev.varco.gateway.tasks;

import dev.varco.gateway.chat.ChatMessage;
import dev.varco.gateway.chat.ChatPart;
import dev.varco.gateway.chat.ChatTurn;
import java.util.ArrayList;
import java.util.List;

/**
 * A chat turn rewritten for a VARCO task: the last user message becomes its one image followed by
 * the task prompt built from the message's text ({@link TaskPrompt}); earlier messages are kept as
 * they are. Also holds the image's upright size, which the answer's boxes are converted with.
 */
public record TaskTurn(VarcoTask task, ChatTurn turn, ImageSize imageSize) {

  /**
   * @throws InvalidTaskException naming {@code messages} when the last message is not a user
   *     message with exactly one image, or the field of the task that is invalid
   */
  public static TaskTurn of(VarcoTask task, ChatTurn turn) {
    List<ChatMessage> messages = turn.messages();
    ChatMessage last = messages.getLast();
    if (last.role() != ChatMessage.Role.USER) {
      throw new InvalidTaskException("messages", "a task applies to the last message, which must be a user message");
    }
    List<ChatPart.Image> images = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (ChatPart part : last.parts()) {
      switch (part) {
        case ChatPart.Image image -> images.add(image);
        case ChatPart.Text text -> texts.add(text.text());
      }
    }
    if (images.size() != 1) {
      throw new InvalidTaskException("messages",
          "a task needs exactly one image in the last user message (its boxes refer to it), found " + images.size());
    }
    ImageSize size = ImageGeometry.of(images.getFirst().bytes());
    String prompt = TaskPrompt.userText(task, String.join("\n", texts), size);
    List<ChatMessage> rewritten = new ArrayList<>(messages.subList(0, messages.size() - 1));
    rewritten.add(new ChatMessage(ChatMessage.Role.USER, List.of(images.getFirst(), new ChatPart.Text(prompt))));
    return new TaskTurn(task, turn.withMessages(rewritten), size);
  }

  /** The task's name on the wire: {@code ocr}, {@code grounding} or {@code referring}. */
  public String taskName() {
    return switch (task) {
      case VarcoTask.Ocr ocr -> "ocr";
      case VarcoTask.Grounding grounding -> "grounding";
      case VarcoTask.Referring referring -> "referring";
    };
  }
}
