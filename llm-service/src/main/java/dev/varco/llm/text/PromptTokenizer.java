package dev.varco.llm.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * Turns a rendered chat template into token ids.
 *
 * <p>Decision: structural tokens ({@link StructuralTokens}) become ids only where the template
 * wrote them. The rendered text is cut at those tokens; each stretch between them (template text
 * with the caller's text substituted in) is tokenized by a second copy of the tokenizer in which
 * the structural added tokens can no longer match, so {@code <|im_end|>} or {@code <image>} typed by a
 * user is just characters. Cutting at the template's special tokens is what the Hugging Face
 * tokenizer does for the whole string anyway, so benign prompts get exactly the ids of
 * {@code apply_chat_template(tokenize=True)}.
 */
public final class PromptTokenizer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HuggingFaceTokenizerFile full;
  private final HuggingFaceTokenizerFile plainText;
  private final StructuralTokens structural;
  private final TokenBytes tokenBytes;

  private PromptTokenizer(
      HuggingFaceTokenizerFile full, HuggingFaceTokenizerFile plainText, StructuralTokens structural, TokenBytes tokenBytes) {
    this.full = full;
    this.plainText = plainText;
    this.structural = structural;
    this.tokenBytes = tokenBytes;
  }

  /**
   * @param tokenizerJson the model's tokenizer.json
   * @param workDir where the plain-text copy of the tokenizer is written
   */
  public static PromptTokenizer load(
      Path tokenizerJson, Path workDir, String chatTemplate, int imageTokenId, Collection<Integer> endOfTurnIds) {
    try {
      ObjectNode json = (ObjectNode) JSON.readTree(tokenizerJson.toFile());
      TokenBytes tokenBytes = TokenBytes.of(json);
      StructuralTokens structural = StructuralTokens.of(json.path("added_tokens"), chatTemplate, imageTokenId, endOfTurnIds);
      // The library numbers added tokens by their order, so structural tokens are not removed but
      // renamed to a random string no caller can type: ids stay put, the text no longer matches.
      String disguise = "\u0000structural-" + UUID.randomUUID() + "-";
      for (JsonNode token : json.path("added_tokens")) {
        if (structural.idOf(token.path("content").asText()) != null) {
          ((ObjectNode) token).put("content", disguise + token.path("id").asInt());
        }
      }
      Files.createDirectories(workDir);
      Path plainTextJson = workDir.resolve("tokenizer-plain-text.json");
      JSON.writeValue(plainTextJson.toFile(), json);
      return new PromptTokenizer(
          HuggingFaceTokenizerFile.load(tokenizerJson), HuggingFaceTokenizerFile.load(plainTextJson), structural, tokenBytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer " + tokenizerJson, e);
    }
  }

  /** The model's tokenizer unchanged (used for decoding and where HF-exact encoding of any text is wanted). */
  public HuggingFaceTokenizerFile tokenizer() {
    return full;
  }

  /** Each token id's exact bytes (for logprobs). */
  public TokenBytes tokenBytes() {
    return tokenBytes;
  }

  /** Token ids of a rendered prompt; structural tokens only where the template put them. */
  public int[] tokenize(ChatTemplate.Rendered rendered) {
    IntList ids = new IntList();
    String s = rendered.withMarkers();
    StringBuilder stretch = new StringBuilder();
    int i = 0;
    while (i < s.length()) {
      String token = structural.matchAt(s, i);
      if (token == null) {
        stretch.append(s.charAt(i));
        i++;
        continue;
      }
      flush(stretch, rendered, ids);
      ids.add(structural.idOf(token));
      i += token.length();
    }
    flush(stretch, rendered, ids);
    return ids.toArray();
  }

  private void flush(StringBuilder stretch, ChatTemplate.Rendered rendered, IntList ids) {
    if (stretch.isEmpty()) {
      return;
    }
    String text = stretch.toString();
    List<String> markers = rendered.markers();
    for (int m = 0; m < markers.size(); m++) {
      text = text.replace(markers.get(m), rendered.texts().get(m));
    }
    ids.addAll(plainText.encode(text));
    stretch.setLength(0);
  }

  @Override
  public void close() {
    full.close();
    plainText.close();
  }

  /** A growable int array, to avoid boxing every token id. */
  private static final class IntList {
    private int[] values = new int[256];
    private int size;

    void add(int v) {
      if (size == values.length) {
        values = Arrays.copyOf(values, size * 2);
      }
      values[size++] = v;
    }

    void addAll(int[] vs) {
      for (int v : vs) {
        add(v);
      }
    }

    int[] toArray() {
      return Arrays.copyOf(values, size);
    }
  }
}
