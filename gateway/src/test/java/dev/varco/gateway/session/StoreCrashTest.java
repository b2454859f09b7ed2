package dev.varco.gateway.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.gateway.chat.ChatMessage.Role;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway killed right after recording a turn (no shutdown hook, no close: {@code
 * Runtime.halt}, as a {@code kill -9}) keeps the turn: the store is written at commit time.
 */
class StoreCrashTest {

  @TempDir Path dir;

  /** The child process: records one turn, prints the conversation id, then dies at once. */
  public static void main(String[] args) {
    ConversationStore store = H2ConversationStore.open(Path.of(args[0]));
    Conversation conversation = store.createConversation("local", Map.of(), List.of());
    ConversationItem question = new ConversationItem(SessionIds.item(), Role.USER,
        List.of(new ItemContent.InputText("q"), ItemContent.InputImage.of("image/png", new byte[] {1, 2, 3})), 1);
    ConversationItem answer = new ConversationItem(SessionIds.item(), Role.ASSISTANT,
        List.of(new ItemContent.OutputText("a")), 2);
    store.recordTurn("local", new TurnRecord(List.of(question), new ResponseRecord(SessionIds.response(), 2, "tiny",
        "completed", null, conversation.id(), null, null, 1.0, OptionalDouble.empty(), OptionalInt.empty(),
        Map.of(), List.of(answer), new ResponseRecord.Usage(10, 1, 0, 3))));
    System.out.println(conversation.id());
    System.out.flush();
    Runtime.getRuntime().halt(137);
  }

  @Test
  void aTurnRecordedJustBeforeAKillSurvives() throws IOException, InterruptedException {
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), StoreCrashTest.class.getName(), dir.toString())
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
    assertTrue(child.waitFor(2, TimeUnit.MINUTES), "the child did not finish");
    assertEquals(137, child.exitValue());
    String conversationId = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();

    try (ConversationStore store = H2ConversationStore.open(dir)) {
      List<ConversationItem> history = store.history("local", conversationId).orElseThrow();
      assertEquals(List.of(Role.USER, Role.ASSISTANT), history.stream().map(ConversationItem::role).toList());
      assertEquals(new ItemContent.OutputText("a"), history.get(1).content().getFirst());
    }
  }
}
