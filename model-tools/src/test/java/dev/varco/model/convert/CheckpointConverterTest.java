package dev.varco.model.convert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.manifest.ModelManifestIO;
import dev.varco.model.safetensors.SafetensorsCheckpoint;
import dev.varco.model.safetensors.SafetensorsCheckpointWriter;
import dev.varco.model.safetensors.SafetensorsFile;
import dev.varco.model.safetensors.SafetensorsWriter;
import dev.varco.model.safetensors.TensorData;
import dev.varco.model.safetensors.TensorInfo;
import dev.varco.model.tiny.TinyCheckpointGenerator;
import dev.varco.model.tiny.TinyModelSpec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointConverterTest {
  @TempDir static Path work;
  static Path checkpoint;
  static Path model;
  static ModelManifest manifest;
  static final List<Double> progress = new ArrayList<>();

  @BeforeAll
  static void convertTinyCheckpoint() throws IOException {
    checkpoint = work.resolve("hf");
    model = work.resolve("model");
    new TinyCheckpointGenerator(TinyModelSpec.DEFAULT, 3).generate(checkpoint, 1);
    manifest = CheckpointConverter.convert(checkpoint, model, null, (stage, item, percent) -> progress.add(percent));
  }

  @Test
  void manifestDescribesTheCheckpoint() throws IOException {
    assertEquals(manifest, ModelManifestIO.read(model));
    assertEquals("varco-vision-tiny", manifest.name());
    assertEquals("llava_onevision", manifest.source().modelType());
    var vision = manifest.vision();
    assertEquals(384, vision.imageSize());
    assertEquals(14, vision.patchSize());
    assertEquals(729, vision.tokensPerTile());
    assertEquals(64, vision.hiddenSize());
    assertEquals(-2, vision.visionFeatureLayer());
    assertEquals("full", vision.visionFeatureSelectStrategy());
    assertEquals("anyres_max_9", vision.visionAspectRatio());
    assertEquals(36, vision.imageGridPinpoints().size());
    assertEquals(List.of(2304, 1152), vision.imageGridPinpoints().get(32));
    assertEquals(List.of(0.5, 0.5, 0.5), vision.imageMean());
    assertEquals(List.of(0.5, 0.5, 0.5), vision.imageStd());
    assertEquals(1.0 / 255, vision.rescaleFactor(), 1e-12);
    assertEquals(3, vision.resample());
    var llm = manifest.llm();
    assertEquals("qwen2", llm.architecture());
    assertEquals(List.of(64, 2, 4, 2, 152064, 32768), List.of(llm.hiddenSize(), llm.numHiddenLayers(),
        llm.numAttentionHeads(), llm.numKeyValueHeads(), llm.vocabSize(), llm.maxPositionEmbeddings()));
    assertEquals("bfloat16", llm.dtype());
    assertEquals("<image>", llm.imageToken());
    assertEquals(151665, llm.imageTokenId());
    assertEquals(List.of(151645, 151643), llm.eosTokenIds());
    assertTrue(llm.chatTemplate().contains("<|im_start|>"));
  }

  @Test
  void everyWrittenFileIsListedWithItsSizeAndDigest() throws IOException {
    List<String> onDisk;
    try (Stream<Path> files = Files.walk(model)) {
      onDisk = files.filter(Files::isRegularFile).map(f -> model.relativize(f).toString())
          .filter(f -> !f.equals(ModelManifestIO.FILE_NAME)).sorted().toList();
    }
    assertEquals(onDisk, new ArrayList<>(manifest.files().keySet()));
    for (var entry : manifest.files().entrySet()) {
      Path file = model.resolve(entry.getKey());
      assertEquals(Files.size(file), entry.getValue().bytes(), entry.getKey());
      assertEquals(64, entry.getValue().sha256().length());
    }
  }

  @Test
  void progressRisesToOneHundredPercent() {
    assertTrue(progress.size() > 10);
    for (int i = 1; i < progress.size(); i++) {
      assertTrue(progress.get(i) >= progress.get(i - 1));
    }
    assertEquals(100.0, progress.get(progress.size() - 1), 1e-9);
  }

  @Test
  void llmFolderIsAPlainQwen2CheckpointJlamaCanRead() throws IOException {
    JsonNode config = new ObjectMapper().readTree(model.resolve("llm/config.json").toFile());
    assertEquals("qwen2", config.get("model_type").asText());
    assertTrue(config.get("eos_token_id").isInt(), "Jlama's Qwen2Config needs a single integer eos_token_id");
    assertEquals(151645, config.get("eos_token_id").asInt());
    assertEquals(151643, config.get("bos_token_id").asInt());
    assertEquals("Qwen2ForCausalLM", config.get("architectures").get(0).asText());
    assertTrue(new ObjectMapper().readTree(model.resolve("llm/tokenizer_config.json").toFile())
        .get("chat_template").isTextual());

    try (SafetensorsFile llm = SafetensorsFile.open(model.resolve("llm/model.safetensors"));
        SafetensorsCheckpoint source = SafetensorsCheckpoint.open(checkpoint)) {
      assertEquals(3 + 2 * 12, llm.tensors().size());
      assertTrue(llm.tensors().containsKey("lm_head.weight"));
      assertTrue(llm.tensors().containsKey("model.embed_tokens.weight"));
      assertTrue(llm.tensors().containsKey("model.layers.1.self_attn.q_proj.bias"));
      assertFalse(llm.tensors().containsKey("model.layers.1.self_attn.o_proj.bias"));
      for (String name : llm.tensors().keySet()) {
        String sourceName = name.equals("lm_head.weight") ? "language_model.lm_head.weight" : "language_model." + name;
        TensorInfo info = llm.info(name);
        assertEquals(source.info(sourceName).dtype(), info.dtype(), name);
        assertEquals(source.bytes(sourceName), llm.bytes(name), name + " bytes are copied unchanged");
      }
    }
  }

  @Test
  void imageNewlineIsStoredAsLittleEndianFloat32() throws IOException {
    ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(model.resolve(manifest.vision().imageNewline())))
        .order(ByteOrder.LITTLE_ENDIAN);
    float[] expected;
    try (SafetensorsCheckpoint source = SafetensorsCheckpoint.open(checkpoint)) {
      expected = source.floats("image_newline");
    }
    assertEquals(expected.length * 4, bytes.capacity());
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], bytes.getFloat(i * 4));
    }
  }

  @Test
  void shardedCheckpointConvertsToTheSameModel() throws IOException {
    Path sharded = work.resolve("hf-sharded");
    new TinyCheckpointGenerator(TinyModelSpec.DEFAULT, 3).generate(sharded, 3);
    assertTrue(Files.isRegularFile(sharded.resolve("model.safetensors.index.json")));
    assertTrue(Files.isRegularFile(sharded.resolve("model-00003-of-00003.safetensors")));
    assertFalse(Files.exists(sharded.resolve("model.safetensors")));
    ModelManifest fromShards = CheckpointConverter.convert(sharded, work.resolve("model-sharded"), null,
        ConversionListener.SILENT);
    assertEquals(manifest.files(), fromShards.files());
  }

  @Test
  void checkpointWithTransformers452NamesConvertsToTheSameModel() throws IOException {
    Path renamed = work.resolve("hf-new-names");
    copyNonWeightFiles(checkpoint, renamed);
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    try (SafetensorsCheckpoint source = SafetensorsCheckpoint.open(checkpoint)) {
      for (String name : source.names()) {
        TensorInfo info = source.info(name);
        ByteBuffer data = source.bytes(name);
        entries.add(new SafetensorsWriter.Entry(newName(name), info.dtype(), info.shape(), TensorData.of(data)));
      }
      SafetensorsCheckpointWriter.write(renamed, entries, 2, Map.of("format", "pt"));
    }
    ModelManifest converted = CheckpointConverter.convert(renamed, work.resolve("model-new-names"), null,
        ConversionListener.SILENT);
    assertEquals(manifest.files(), converted.files());
  }

  /** The renaming transformers >= 4.52 applies when saving (its _checkpoint_conversion_mapping). */
  private static String newName(String name) {
    if (name.startsWith("language_model.model.")) {
      return "model.language_model." + name.substring("language_model.model.".length());
    }
    if (name.equals("language_model.lm_head.weight")) {
      return "lm_head.weight";
    }
    return "model." + name; // vision_tower.*, multi_modal_projector.*, image_newline
  }

  static void copyNonWeightFiles(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.toList()) {
        if (!file.getFileName().toString().startsWith("model")) {
          Files.copy(file, to.resolve(file.getFileName()));
        }
      }
    }
  }
}
