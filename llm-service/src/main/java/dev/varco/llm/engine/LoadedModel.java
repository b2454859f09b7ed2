package dev.varco.llm.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.llm.model.DecoderModel;
import dev.varco.llm.model.DecoderSharding;
import dev.varco.llm.text.ChatTemplate;
import dev.varco.llm.text.PromptTokenizer;
import dev.varco.model.manifest.InvalidModelDirectoryException;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.manifest.ModelManifestIO;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Everything read from a model directory that generation needs: the manifest, the decoder,
 * the tokenizer and the chat template. Special tokens and geometry come from the manifest.
 */
public final class LoadedModel implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ModelManifest manifest;
  private final DecoderModel decoder;
  private final PromptTokenizer tokenizer;
  private final ChatTemplate chatTemplate;
  private final int contextLength;

  private LoadedModel(
      ModelManifest manifest, DecoderModel decoder, PromptTokenizer tokenizer, ChatTemplate chatTemplate, int contextLength) {
    this.manifest = manifest;
    this.decoder = decoder;
    this.tokenizer = tokenizer;
    this.chatTemplate = chatTemplate;
    this.contextLength = contextLength;
  }

  /**
   * @param contextCap optional upper bound below the model's own limit
   * @param sharding the decoder's tensor-parallel sharding for its folder, or null for one process
   */
  public static LoadedModel load(Path modelDir, Path workDir, int prefillChunkRows, Optional<Integer> contextCap,
      Function<Path, DecoderSharding> sharding) {
    ModelManifest manifest = ModelManifestIO.read(modelDir);
    ModelManifest.Llm llm = manifest.llm();
    Path llmDir = modelDir.resolve(llm.dir());
    if (!"qwen2".equals(llm.architecture())) {
      throw new InvalidModelDirectoryException(
          modelDir + ": llm.architecture '" + llm.architecture() + "' is not supported (qwen2 is)");
    }
    if (llm.eosTokenIds() == null || llm.eosTokenIds().isEmpty()) {
      throw new InvalidModelDirectoryException(modelDir + ": llm.eos_token_ids is empty");
    }
    String template = Optional.ofNullable(llm.chatTemplate()).orElseGet(() -> templateFromTokenizerConfig(llmDir));
    Map<String, Object> tokenizerVariables = tokenizerVariables(llmDir);
    PromptTokenizer tokenizer =
        PromptTokenizer.load(llmDir.resolve("tokenizer.json"), workDir, template, llm.imageTokenId(), llm.eosTokenIds());
    DecoderModel decoder;
    try {
      decoder = DecoderModel.load(llmDir, prefillChunkRows, sharding == null ? null : sharding.apply(llmDir));
    } catch (RuntimeException e) {
      tokenizer.close();
      throw e;
    }
    int context = Math.min(decoder.safePositions(), contextCap.orElse(Integer.MAX_VALUE));
    return new LoadedModel(manifest, decoder, tokenizer, new ChatTemplate(template, tokenizerVariables), context);
  }

  private static String templateFromTokenizerConfig(Path llmDir) {
    JsonNode template = readTokenizerConfig(llmDir).path("chat_template");
    if (!template.isTextual()) {
      throw new InvalidModelDirectoryException(
          llmDir + ": no chat template in the manifest or in tokenizer_config.json");
    }
    return template.asText();
  }

  /** bos_token / eos_token as the template sees them (strings, or absent). */
  private static Map<String, Object> tokenizerVariables(Path llmDir) {
    JsonNode config = readTokenizerConfig(llmDir);
    Map<String, Object> variables = new HashMap<>();
    for (String name : List.of("bos_token", "eos_token", "pad_token", "unk_token")) {
      JsonNode value = config.path(name);
      if (value.isTextual()) {
        variables.put(name, value.asText());
      } else if (value.path("content").isTextual()) {
        variables.put(name, value.path("content").asText());
      }
    }
    return variables;
  }

  private static JsonNode readTokenizerConfig(Path llmDir) {
    Path file = llmDir.resolve("tokenizer_config.json");
    if (!Files.isRegularFile(file)) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  public ModelManifest manifest() {
    return manifest;
  }

  public DecoderModel decoder() {
    return decoder;
  }

  public PromptTokenizer tokenizer() {
    return tokenizer;
  }

  public ChatTemplate chatTemplate() {
    return chatTemplate;
  }

  /** Prompt + max_tokens must not exceed this many positions. */
  public int contextLength() {
    return contextLength;
  }

  @Override
  public void close() {
    decoder.close();
    tokenizer.close();
  }
}
