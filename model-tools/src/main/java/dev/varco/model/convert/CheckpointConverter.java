package dev.varco.model.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.model.checkpoint.CheckpointFiles;
import dev.varco.model.checkpoint.LlavaOnevisionConfig;
import dev.varco.model.checkpoint.LlavaOnevisionTensors;
import dev.varco.model.checkpoint.UnsupportedCheckpointException;
import dev.varco.model.manifest.EncoderPrecision;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.manifest.ModelManifestIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Converts a Hugging Face LLaVA-OneVision checkpoint into the service model directory described
 * in model-tools/README.md. Everything is validated before the first file is written; the
 * manifest is written last, so a directory with a manifest is complete.
 */
public final class CheckpointConverter {
  public static final String VISION_DIR = "vision";
  public static final String LLM_DIR = "llm";
  public static final String ENCODER_FILE = "encoder.onnx";
  public static final String ENCODER_DATA_FILE = "encoder.onnx.data";
  public static final String IMAGE_NEWLINE_FILE = "image_newline.f32";

  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private CheckpointConverter() {}

  /**
   * @param name served model name; null takes the checkpoint's {@code _name_or_path} or folder name
   * @throws UnsupportedCheckpointException naming what is missing or not understood
   */
  public static ModelManifest convert(Path checkpointDir, Path outDir, String name, ConversionListener listener)
      throws IOException {
    return convert(checkpointDir, outDir, name, ConversionOptions.DEFAULT, listener);
  }

  /**
   * As {@link #convert(Path, Path, String, ConversionListener)}, also writing the encoder
   * variants {@code options} asks for ({@code vision/encoder-<precision>.onnx}, listed in the
   * manifest's {@code vision.encoder_variants}) and storing the decoder in
   * {@code options.decoderWeightType()} (manifest {@code llm.weight_type}).
   */
  public static ModelManifest convert(Path checkpointDir, Path outDir, String name, ConversionOptions options,
      ConversionListener listener) throws IOException {
    if (!Files.isDirectory(checkpointDir)) {
      throw new UnsupportedCheckpointException(checkpointDir + " is not a directory");
    }
    LlavaOnevisionConfig config = LlavaOnevisionConfig.read(checkpointDir);
    CheckpointFiles files = CheckpointFiles.locate(checkpointDir);
    String imageToken = files.addedTokenContent(config.imageTokenIndex());
    JsonNode preprocessor = files.preprocessorConfig();
    List<Double> imageMean = doubles(preprocessor, "image_mean");
    List<Double> imageStd = doubles(preprocessor, "image_std");
    double rescaleFactor = preprocessorNumber(preprocessor, "rescale_factor").doubleValue();
    int resample = preprocessorNumber(preprocessor, "resample").intValue();

    try (LlavaOnevisionTensors tensors = LlavaOnevisionTensors.open(checkpointDir)) {
      VisionEncoderExporter vision = new VisionEncoderExporter(config, tensors);
      LanguageModelExporter llm = new LanguageModelExporter(config.text(), tensors, options.decoderWeightType());
      LanguageModelExporter.checkQuantizable(config.text(), options.decoderWeightType());
      List<RequiredTensor> required = new ArrayList<>(vision.requiredTensors());
      llm.mappings().forEach(m -> required.add(m.source()));
      for (RequiredTensor tensor : required) {
        tensors.require(tensor.name(), tensor.shape());
      }

      Files.createDirectories(outDir);
      Files.deleteIfExists(outDir.resolve(ModelManifestIO.FILE_NAME));
      Path visionDir = Files.createDirectories(outDir.resolve(VISION_DIR));
      Path llmDir = Files.createDirectories(outDir.resolve(LLM_DIR));
      List<String> written = new ArrayList<>(List.of(
          VISION_DIR + "/" + ENCODER_FILE, VISION_DIR + "/" + ENCODER_DATA_FILE, VISION_DIR + "/" + IMAGE_NEWLINE_FILE,
          VISION_DIR + "/" + CheckpointFiles.PREPROCESSOR_CONFIG, LLM_DIR + "/model.safetensors",
          LLM_DIR + "/config.json", LLM_DIR + "/" + CheckpointFiles.TOKENIZER,
          LLM_DIR + "/" + CheckpointFiles.TOKENIZER_CONFIG));
      List<EncoderPrecision> variants = options.encoderVariants().stream().sorted().toList();
      Map<String, String> variantFiles = new TreeMap<>();
      for (EncoderPrecision precision : variants) {
        String file = VISION_DIR + "/" + encoderFile(precision);
        variantFiles.put(precision.key(), file);
        written.add(file);
        written.add(file + ".data");
      }
      int fileSteps = 7;
      long encoderSteps = vision.layers() + 2L;
      ProgressTracker progress = new ProgressTracker(listener,
          encoderSteps * (1 + variants.size()) + llm.mappings().size() + fileSteps);

      vision.export(visionDir.resolve(ENCODER_FILE), visionDir.resolve(ENCODER_DATA_FILE), EncoderPrecision.FP32,
          progress);
      for (EncoderPrecision precision : EncoderPrecision.values()) {
        String file = encoderFile(precision);
        if (variants.contains(precision)) {
          vision.export(visionDir.resolve(file), visionDir.resolve(file + ".data"), precision, progress);
        } else if (precision != EncoderPrecision.FP32) {
          // A variant of an earlier conversion that this one does not list would be stale.
          Files.deleteIfExists(visionDir.resolve(file));
          Files.deleteIfExists(visionDir.resolve(file + ".data"));
        }
      }
      writeFloats(visionDir.resolve(IMAGE_NEWLINE_FILE),
          tensors.floats(tensors.imageNewline(), config.text().hiddenSize()));
      progress.step("vision encoder", IMAGE_NEWLINE_FILE);
      Files.copy(files.preprocessorConfigJson(), visionDir.resolve(CheckpointFiles.PREPROCESSOR_CONFIG),
          StandardCopyOption.REPLACE_EXISTING);
      progress.step("vision encoder", CheckpointFiles.PREPROCESSOR_CONFIG);

      llm.export(llmDir.resolve("model.safetensors"), progress);
      List<Integer> eosTokenIds = eosTokenIds(config, files);
      JSON.writeValue(llmDir.resolve("config.json").toFile(), jlamaConfig(config, llm.dtype(), eosTokenIds));
      progress.step("language model", "config.json");
      Files.copy(files.tokenizerJson(), llmDir.resolve(CheckpointFiles.TOKENIZER), StandardCopyOption.REPLACE_EXISTING);
      progress.step("language model", CheckpointFiles.TOKENIZER);
      JSON.writeValue(llmDir.resolve(CheckpointFiles.TOKENIZER_CONFIG).toFile(),
          tokenizerConfigWithTemplate(files));
      progress.step("language model", CheckpointFiles.TOKENIZER_CONFIG);
      if (files.generationConfigJson().isPresent()) {
        Files.copy(files.generationConfigJson().get(), llmDir.resolve(CheckpointFiles.GENERATION_CONFIG),
            StandardCopyOption.REPLACE_EXISTING);
        written.add(LLM_DIR + "/" + CheckpointFiles.GENERATION_CONFIG);
      } else {
        Files.deleteIfExists(llmDir.resolve(CheckpointFiles.GENERATION_CONFIG));
      }
      progress.step("language model", CheckpointFiles.GENERATION_CONFIG);

      ModelManifest manifest = new ModelManifest(
          ModelManifest.FORMAT,
          ModelManifest.FORMAT_VERSION,
          name != null ? name : servedName(checkpointDir),
          new ModelManifest.Source(checkpointDir.toAbsolutePath().normalize().toString(), config.modelType(),
              config.architectures()),
          new ModelManifest.Vision(
              VISION_DIR + "/" + ENCODER_FILE,
              VisionEncoderExporter.INPUT,
              VisionEncoderExporter.OUTPUT,
              config.vision().imageSize(),
              config.vision().patchSize(),
              config.tokensPerTile(),
              config.text().hiddenSize(),
              config.visionFeatureLayer(),
              config.visionFeatureSelectStrategy(),
              config.visionAspectRatio(),
              config.imageGridPinpoints(),
              VISION_DIR + "/" + IMAGE_NEWLINE_FILE,
              VISION_DIR + "/" + CheckpointFiles.PREPROCESSOR_CONFIG,
              imageMean,
              imageStd,
              rescaleFactor,
              resample,
              variantFiles),
          new ModelManifest.Llm(
              LLM_DIR,
              config.text().modelType(),
              config.text().hiddenSize(),
              config.text().numHiddenLayers(),
              config.text().numAttentionHeads(),
              config.text().numKeyValueHeads(),
              config.text().vocabSize(),
              config.text().maxPositionEmbeddings(),
              llm.dtype(),
              imageToken,
              config.imageTokenIndex(),
              eosTokenIds,
              files.chatTemplate(),
              options.decoderWeightType().key()),
          fileTable(outDir, written));
      ModelManifestIO.write(outDir, manifest);
      progress.step("manifest", ModelManifestIO.FILE_NAME);
      return manifest;
    }
  }

  /** {@code encoder-int8.onnx} for a variant; its weights go to the same name + {@code .data}. */
  public static String encoderFile(EncoderPrecision precision) {
    return precision == EncoderPrecision.FP32 ? ENCODER_FILE : "encoder-" + precision.key() + ".onnx";
  }

  private static String servedName(Path checkpointDir) {
    try {
      JsonNode nameOrPath = new ObjectMapper().readTree(checkpointDir.resolve(LlavaOnevisionConfig.CONFIG_FILE)
          .toFile()).get("_name_or_path");
      if (nameOrPath != null && !nameOrPath.asText().isBlank()) {
        String value = nameOrPath.asText();
        return value.substring(value.lastIndexOf('/') + 1);
      }
    } catch (IOException e) {
      // config.json was read successfully moments ago; fall back to the folder name.
    }
    return checkpointDir.toAbsolutePath().normalize().getFileName().toString();
  }

  /** Ids that end a turn: the text config's eos first, then generation_config's, no duplicates. */
  private static List<Integer> eosTokenIds(LlavaOnevisionConfig config, CheckpointFiles files) {
    Set<Integer> ids = new LinkedHashSet<>(config.text().eosTokenIds());
    files.generationConfig().ifPresent(generation -> {
      JsonNode eos = generation.get("eos_token_id");
      if (eos != null && eos.isArray()) {
        eos.forEach(id -> ids.add(id.intValue()));
      } else if (eos != null && eos.isIntegralNumber()) {
        ids.add(eos.intValue());
      }
    });
    if (ids.isEmpty()) {
      throw new UnsupportedCheckpointException("no eos_token_id in config.json text_config nor in "
          + CheckpointFiles.GENERATION_CONFIG);
    }
    return List.copyOf(ids);
  }

  /** The text config as a standalone Qwen2 config; Jlama's Qwen2Config needs one integer eos id. */
  private static ObjectNode jlamaConfig(LlavaOnevisionConfig config, String dtype, List<Integer> eosTokenIds) {
    ObjectNode json = config.text().json().deepCopy();
    json.putArray("architectures").add("Qwen2ForCausalLM");
    json.put("model_type", "qwen2");
    json.put("torch_dtype", dtype);
    json.put("eos_token_id", eosTokenIds.get(0));
    List<Integer> bos = config.text().bosTokenIds();
    if (bos.isEmpty()) {
      json.remove("bos_token_id");
    } else {
      json.put("bos_token_id", bos.get(0));
    }
    return json;
  }

  /** The checkpoint's tokenizer_config.json with the chat template in it, so llm/ stands alone. */
  private static JsonNode tokenizerConfigWithTemplate(CheckpointFiles files) throws IOException {
    ObjectNode tokenizerConfig = (ObjectNode) new ObjectMapper().readTree(files.tokenizerConfigJson().toFile());
    tokenizerConfig.put("chat_template", files.chatTemplate());
    return tokenizerConfig;
  }

  private static void writeFloats(Path file, float[] values) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    buffer.asFloatBuffer().put(values);
    Files.write(file, buffer.array());
  }

  private static List<Double> doubles(JsonNode preprocessor, String field) {
    JsonNode node = preprocessor.get(field);
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw new UnsupportedCheckpointException(CheckpointFiles.PREPROCESSOR_CONFIG + " has no list '" + field + "'");
    }
    List<Double> values = new ArrayList<>();
    node.forEach(v -> values.add(v.doubleValue()));
    return List.copyOf(values);
  }

  private static Number preprocessorNumber(JsonNode preprocessor, String field) {
    JsonNode node = preprocessor.get(field);
    if (node == null || !node.isNumber()) {
      throw new UnsupportedCheckpointException(CheckpointFiles.PREPROCESSOR_CONFIG + " has no number '" + field + "'");
    }
    return node.numberValue();
  }

  /** Size and SHA-256 of each file written, by path relative to the model directory. */
  private static Map<String, ModelManifest.FileEntry> fileTable(Path outDir, List<String> written)
      throws IOException {
    Map<String, ModelManifest.FileEntry> table = new TreeMap<>();
    for (String relative : written) {
      table.put(relative, FileDigest.of(outDir.resolve(relative)));
    }
    return table;
  }
}
