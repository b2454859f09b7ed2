package dev.varco.llm.text;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The checkpoint's Jinja chat template, rendered the way transformers' {@code apply_chat_template}
 * does: {@code trim_blocks} and {@code lstrip_blocks} on, {@code messages} whose content is a list
 * of {@code {"type": "text", "text": ...}} / {@code {"type": "image"}} parts,
 * {@code add_generation_prompt} true, {@code raise_exception} available.
 *
 * <p>Caller text never enters the rendered string directly: each text part is rendered as a unique
 * marker, and {@link Rendered} keeps the texts beside it. The prompt tokenizer can then tell the
 * template's own special tokens from look-alikes typed by a user.
 */
public final class ChatTemplate {
  private final String template;
  private final Map<String, Object> tokenizerVariables;
  private final Jinjava jinjava;

  /**
   * @param template the Jinja source
   * @param tokenizerVariables e.g. bos_token / eos_token from tokenizer_config.json
   */
  public ChatTemplate(String template, Map<String, Object> tokenizerVariables) {
    this.template = template;
    this.tokenizerVariables = new HashMap<>(tokenizerVariables);
    JinjavaConfig config = JinjavaConfig.newBuilder().withTrimBlocks(true).withLstripBlocks(true).build();
    this.jinjava = new Jinjava(config);
    jinjava.getGlobalContext()
        .registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class, "raiseException", String.class));
  }

  /** Bound to the template's {@code raise_exception(message)}. */
  public static String raiseException(String message) {
    throw new TemplateRejectedException(message);
  }

  /**
   * A rendered prompt: template output where text part {@code i} appears as
   * {@code markers.get(i)}; {@code texts.get(i)} is what goes there.
   */
  public record Rendered(String withMarkers, List<String> markers, List<String> texts) {
    /** The prompt as plain text (markers replaced), for logs and tests. */
    public String text() {
      String out = withMarkers;
      for (int i = 0; i < markers.size(); i++) {
        out = out.replace(markers.get(i), texts.get(i));
      }
      return out;
    }
  }

  public Rendered render(List<ChatMessage> messages) {
    // A per-render random nonce: user text cannot forge a marker it has never seen.
    String nonce = UUID.randomUUID().toString().replace("-", "");
    List<String> markers = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    List<Map<String, Object>> jinjaMessages = new ArrayList<>();
    for (ChatMessage message : messages) {
      List<Map<String, Object>> content = new ArrayList<>();
      for (ChatMessage.Part part : message.parts()) {
        switch (part) {
          case ChatMessage.Text text -> {
            String marker = "\u0000" + nonce + "#" + markers.size() + "\u0000";
            markers.add(marker);
            texts.add(text.text());
            content.add(new LinkedHashMap<>(Map.of("type", "text", "text", marker)));
          }
          case ChatMessage.Image image -> content.add(new LinkedHashMap<>(Map.of("type", "image")));
        }
      }
      Map<String, Object> jinjaMessage = new LinkedHashMap<>();
      jinjaMessage.put("role", message.role());
      jinjaMessage.put("content", content);
      jinjaMessages.add(jinjaMessage);
    }
    Map<String, Object> bindings = new HashMap<>(tokenizerVariables);
    bindings.put("messages", jinjaMessages);
    bindings.put("add_generation_prompt", true);

    RenderResult result;
    try {
      result = jinjava.renderForResult(template, bindings);
    } catch (TemplateRejectedException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new TemplateRejectedException("the chat template failed: " + rootMessage(e));
    }
    for (TemplateError error : result.getErrors()) {
      if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
        throw new TemplateRejectedException(templateErrorMessage(error));
      }
    }
    return new Rendered(result.getOutput(), List.copyOf(markers), List.copyOf(texts));
  }

  private static String templateErrorMessage(TemplateError error) {
    Throwable cause = error.getException();
    while (cause != null) {
      if (cause instanceof TemplateRejectedException rejected) {
        return rejected.getMessage();
      }
      cause = cause.getCause();
    }
    return "the chat template failed: " + error.getMessage();
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    return root.getMessage();
  }
}
