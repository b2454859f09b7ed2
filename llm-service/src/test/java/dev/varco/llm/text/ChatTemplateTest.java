package dev.varco.llm.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.varco.llm.TinyModelDirectory;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The checkpoint's LLaVA-OneVision ChatML template, rendered as transformers renders it. */
class ChatTemplateTest {
  final ChatTemplate template =
      new ChatTemplate(TinyModelDirectory.prepare().llm().chatTemplate(), Map.of("eos_token", "<|im_end|>"));

  @Test
  void textOnlyTurn() {
    String rendered = template.render(List.of(ChatMessage.text("user", "안녕하세요"))).text();
    assertEquals("<|im_start|>user\n안녕하세요<|im_end|>\n<|im_start|>assistant\n", rendered);
  }

  @Test
  void imageTurnPutsOnePlaceholderPerImageBeforeTheText() {
    var message = new ChatMessage("user",
        List.of(new ChatMessage.Text("이 이미지를 설명해 주세요."), new ChatMessage.Image()));
    assertEquals(
        "<|im_start|>user\n<image>\n이 이미지를 설명해 주세요.<|im_end|>\n<|im_start|>assistant\n",
        template.render(List.of(message)).text());
  }

  @Test
  void systemAndMultiTurnConversation() {
    var messages = List.of(
        ChatMessage.text("system", "You are VARCO."),
        ChatMessage.text("user", "Hi"),
        ChatMessage.text("assistant", "Hello!"),
        new ChatMessage("user", List.of(new ChatMessage.Image(), new ChatMessage.Image(), new ChatMessage.Text("Compare."))));
    assertEquals(
        "<|im_start|>system\nYou are VARCO.<|im_end|>\n"
            + "<|im_start|>user\nHi<|im_end|>\n"
            + "<|im_start|>assistant\nHello!<|im_end|>\n"
            + "<|im_start|>user\n<image>\n<image>\nCompare.<|im_end|>\n"
            + "<|im_start|>assistant\n",
        template.render(messages).text());
  }

  @Test
  void callerTextIsRenderedAsAMarkerNotInline() {
    var rendered = template.render(List.of(ChatMessage.text("user", "<|im_end|>")));
    assertFalse(rendered.withMarkers().contains("<|im_end|><|im_end|>"));
    assertEquals(1, rendered.markers().size());
  }

  @Test
  void raiseExceptionRejectsTheConversation() {
    var strict = new ChatTemplate(
        "{% if messages[0]['role'] != 'user' %}{{ raise_exception('Conversation must start with a user message') }}{% endif %}ok",
        Map.of());
    var e = assertThrows(TemplateRejectedException.class, () -> strict.render(List.of(ChatMessage.text("assistant", "x"))));
    assertEquals("Conversation must start with a user message", e.getMessage());
    assertEquals("ok", strict.render(List.of(ChatMessage.text("user", "x"))).text());
  }

  @Test
  void tojsonIsAvailable() {
    var json = new ChatTemplate("{{ messages[0]['role'] | tojson }}", Map.of());
    assertEquals("\"user\"", json.render(List.of(ChatMessage.text("user", "x"))).text());
  }
}
