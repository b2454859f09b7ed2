package dev.varco.llm.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The added tokens only the chat template may produce: every added token whose text occurs in the
 * template source (e.g. {@code <|im_start|>}, {@code <|im_end|>}, {@code <image>}), plus the image
 * token and the end-of-turn tokens named by the manifest. Caller text containing their text is
 * tokenized as ordinary characters. Other added tokens (VARCO's task tokens such as {@code <obj>},
 * {@code <bbox>}) stay recognisable in caller text, because referring prompts use them.
 */
public final class StructuralTokens {
  private final Map<String, Integer> idsByText;

  private StructuralTokens(Map<String, Integer> idsByText) {
    this.idsByText = Map.copyOf(idsByText);
  }

  /**
   * @param addedTokens the {@code added_tokens} array of tokenizer.json
   */
  public static StructuralTokens of(JsonNode addedTokens, String chatTemplate, int imageTokenId, Collection<Integer> endOfTurnIds) {
    Map<String, Integer> selected = new HashMap<>();
    for (JsonNode token : addedTokens) {
      String text = token.path("content").asText();
      int id = token.path("id").asInt();
      if (!text.isEmpty() && (chatTemplate.contains(text) || id == imageTokenId || endOfTurnIds.contains(id))) {
        selected.put(text, id);
      }
    }
    return new StructuralTokens(selected);
  }

  public Set<String> texts() {
    return idsByText.keySet();
  }

  public Integer idOf(String text) {
    return idsByText.get(text);
  }

  /** The longest structural token that starts at {@code offset} of {@code s}, or null. */
  public String matchAt(String s, int offset) {
    String best = null;
    for (String text : idsByText.keySet()) {
      if (s.startsWith(text, offset) && (best == null || text.length() > best.length())) {
        best = text;
      }
    }
    return best;
  }
}
