package dev.varco.model.convert;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.model.checkpoint.UnsupportedCheckpointException;
import dev.varco.model.safetensors.SafetensorsCheckpoint;
import dev.varco.model.safetensors.SafetensorsCheckpointWriter;
import dev.varco.model.safetensors.SafetensorsWriter;
import dev.varco.model.safetensors.TensorData;
import dev.varco.model.safetensors.TensorInfo;
import dev.varco.model.tiny.TinyCheckpointGenerator;
import dev.varco.model.tiny.TinyModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint the converter does not understand is refused with a message naming the problem. */
class CheckpointRefusalTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path work;
  static Path good;

  @BeforeAll
  static void generate() throws IOException {
    good = work.resolve("good");
    new TinyCheckpointGenerator(TinyModelSpec.DEFAULT, 1).generate(good, 1);
  }

  private static String refusal(Path checkpoint) {
    Path out = checkpoint.resolveSibling(checkpoint.getFileName() + "-out");
    UnsupportedCheckpointException e = assertThrows(UnsupportedCheckpointException.class,
        () -> CheckpointConverter.convert(checkpoint, out, null, ConversionListener.SILENT));
    assertFalse(Files.exists(out.resolve("manifest.json")), "nothing usable is left behind");
    return e.getMessage();
  }

  private static Path copyWithConfig(String name, Consumer<ObjectNode> edit) throws IOException {
    Path dir = work.resolve(name);
    Files.createDirectories(dir);
    try (var files = Files.list(good)) {
      for (Path file : files.toList()) {
        Files.copy(file, dir.resolve(file.getFileName()));
      }
    }
    ObjectNode config = (ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
    edit.accept(config);
    JSON.writeValue(dir.resolve("config.json").toFile(), config);
    return dir;
  }

  @Test
  void missingConfig() throws IOException {
    Path dir = copyWithConfig("no-config", c -> {});
    Files.delete(dir.resolve("config.json"));
    String message = refusal(dir);
    assertTrue(message.contains("config.json is missing"), message);
  }

  @Test
  void wrongModelType() throws IOException {
    String message = refusal(copyWithConfig("llava-next", c -> c.put("model_type", "llava_next")));
    assertTrue(message.contains("unsupported model_type 'llava_next'"), message);
  }

  @Test
  void wrongTextModelType() throws IOException {
    String message = refusal(copyWithConfig("llama", c -> c.withObjectProperty("text_config").put("model_type", "llama")));
    assertTrue(message.contains("text_config.model_type 'llama'"), message);
  }

  @Test
  void unsupportedSelectStrategy() throws IOException {
    String message = refusal(copyWithConfig("default-strategy",
        c -> c.put("vision_feature_select_strategy", "default")));
    assertTrue(message.contains("vision_feature_select_strategy 'default'"), message);
  }

  @Test
  void featureLayerOutOfRange() throws IOException {
    String message = refusal(copyWithConfig("layer-range", c -> c.put("vision_feature_layer", -9)));
    assertTrue(message.contains("vision_feature_layer -9"), message);
  }

  @Test
  void shapeThatDisagreesWithTheConfig() throws IOException {
    String message = refusal(copyWithConfig("wide", c -> c.withObjectProperty("vision_config").put("intermediate_size", 96)));
    assertTrue(message.contains("vision_tower.vision_model.encoder.layers.0.mlp.fc1.weight has shape [64, 32]"),
        message);
  }

  @Test
  void missingTensor() throws IOException {
    Path dir = copyWithConfig("missing-tensor", c -> {});
    String dropped = "language_model.model.layers.1.self_attn.k_proj.bias";
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    try (SafetensorsCheckpoint source = SafetensorsCheckpoint.open(good)) {
      for (String name : source.names()) {
        if (!name.equals(dropped)) {
          TensorInfo info = source.info(name);
          entries.add(new SafetensorsWriter.Entry(name, info.dtype(), info.shape(), TensorData.of(source.bytes(name))));
        }
      }
      SafetensorsCheckpointWriter.write(dir, entries, 1, Map.of("format", "pt"));
    }
    String message = refusal(dir);
    assertTrue(message.contains("missing tensor " + dropped), message);
  }

  @Test
  void missingWeights() throws IOException {
    Path dir = copyWithConfig("no-weights", c -> {});
    Files.delete(dir.resolve("model.safetensors"));
    String message = refusal(dir);
    assertTrue(message.contains("no weights found"), message);
  }

  @Test
  void imageTokenThatTheTokenizerLacks() throws IOException {
    String message = refusal(copyWithConfig("bad-image-token", c -> c.put("image_token_index", 160000)));
    assertTrue(message.contains("image_token_index 160000"), message);
  }
}
