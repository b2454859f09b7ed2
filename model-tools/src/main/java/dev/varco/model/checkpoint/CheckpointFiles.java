package dev.varco.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The non-weight files of a Hugging Face checkpoint the converter needs: tokenizer, chat
 * template, image preprocessing and generation settings.
 */
public record CheckpointFiles(
    Path tokenizerJson,
    Path tokenizerConfigJson,
    Path preprocessorConfigJson,
    Optional<Path> generationConfigJson,
    String chatTemplate) {

  public static final String TOKENIZER = "tokenizer.json";
  public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
  public static final String PREPROCESSOR_CONFIG = "preprocessor_config.json";
  public static final String GENERATION_CONFIG = "generation_config.json";
  public static final String CHAT_TEMPLATE_JSON = "chat_template.json";
  public static final String CHAT_TEMPLATE_JINJA = "chat_template.jinja";

  private static final ObjectMapper JSON = new ObjectMapper();

  public static CheckpointFiles locate(Path dir) {
    Path tokenizer = require(dir, TOKENIZER);
    Path tokenizerConfig = require(dir, TOKENIZER_CONFIG);
    Path preprocessor = require(dir, PREPROCESSOR_CONFIG);
    Path generation = dir.resolve(GENERATION_CONFIG);
    return new CheckpointFiles(tokenizer, tokenizerConfig, preprocessor,
        Files.isRegularFile(generation) ? Optional.of(generation) : Optional.empty(),
        chatTemplate(dir, tokenizerConfig));
  }

  private static Path require(Path dir, String name) {
    Path file = dir.resolve(name);
    if (!Files.isRegularFile(file)) {
      throw new UnsupportedCheckpointException(dir + ": " + name + " is missing");
    }
    return file;
  }

  /**
   * The processor's template wins (chat_template.json, or chat_template.jinja as newer
   * transformers save it), then the tokenizer's, as AutoProcessor resolves it.
   */
  private static String chatTemplate(Path dir, Path tokenizerConfig) {
    try {
      Path json = dir.resolve(CHAT_TEMPLATE_JSON);
      if (Files.isRegularFile(json)) {
        JsonNode template = JSON.readTree(json.toFile()).get("chat_template");
        if (template != null && template.isTextual()) {
          return template.asText();
        }
      }
      Path jinja = dir.resolve(CHAT_TEMPLATE_JINJA);
      if (Files.isRegularFile(jinja)) {
        return Files.readString(jinja, StandardCharsets.UTF_8);
      }
      JsonNode template = JSON.readTree(tokenizerConfig.toFile()).get("chat_template");
      if (template != null && template.isTextual()) {
        return template.asText();
      }
    } catch (IOException e) {
      throw new UnsupportedCheckpointException(dir + ": cannot read the chat template: " + e.getMessage());
    }
    throw new UnsupportedCheckpointException(dir + ": no chat template (looked in " + CHAT_TEMPLATE_JSON + ", "
        + CHAT_TEMPLATE_JINJA + " and " + TOKENIZER_CONFIG + ")");
  }

  /** The text of the added token with this id in tokenizer.json. */
  public String addedTokenContent(int id) {
    try {
      for (JsonNode token : JSON.readTree(tokenizerJson.toFile()).path("added_tokens")) {
        if (token.path("id").asInt(-1) == id) {
          return token.path("content").asText();
        }
      }
    } catch (IOException e) {
      throw new UnsupportedCheckpointException(tokenizerJson + " is not valid JSON: " + e.getMessage());
    }
    throw new UnsupportedCheckpointException("image_token_index " + id + " from config.json is not an added token in "
        + TOKENIZER);
  }

  public JsonNode preprocessorConfig() {
    return readJson(preprocessorConfigJson);
  }

  public Optional<JsonNode> generationConfig() {
    return generationConfigJson.map(CheckpointFiles::readJson);
  }

  private static JsonNode readJson(Path file) {
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UnsupportedCheckpointException(file + " is not valid JSON: " + e.getMessage());
    }
  }
}
