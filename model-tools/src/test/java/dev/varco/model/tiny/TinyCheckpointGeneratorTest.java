package dev.varco.model.tiny;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.model.safetensors.SafetensorsCheckpoint;
import dev.varco.model.safetensors.SafetensorsDType;
import dev.varco.model.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyCheckpointGeneratorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path work;
  static Path first;

  @BeforeAll
  static void generate() throws IOException {
    first = work.resolve("seed5-a");
    new TinyCheckpointGenerator(TinyModelSpec.DEFAULT, 5).generate(first, 1);
  }

  private static List<String> fileNames(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void sameSeedGivesIdenticalBytes() throws IOException {
    Path second = work.resolve("seed5-b");
    new TinyCheckpointGenerator(TinyModelSpec.DEFAULT, 5).generate(second, 1);
    assertEquals(fileNames(first), fileNames(second));
    for (String name : fileNames(first)) {
      assertArrayEquals(Files.readAllBytes(first.resolve(name)), Files.readAllBytes(second.resolve(name)), name);
    }
  }

  @Test
  void otherSeedGivesOtherWeights() throws IOException {
    Path other = work.resolve("seed6");
    new TinyCheckpointGenerator(TinyModelSpec.DEFAULT, 6).generate(other, 1);
    assertArrayEquals(Files.readAllBytes(first.resolve("config.json")), Files.readAllBytes(other.resolve("config.json")));
    try (SafetensorsCheckpoint a = SafetensorsCheckpoint.open(first);
        SafetensorsCheckpoint b = SafetensorsCheckpoint.open(other)) {
      assertNotEquals(a.bytes("image_newline"), b.bytes("image_newline"));
    }
  }

  @Test
  void hasTheFilesOfAHuggingFaceLlavaOnevisionCheckpoint() throws IOException {
    assertEquals(List.of("chat_template.json", "config.json", "generation_config.json", "model.safetensors",
        "preprocessor_config.json", "processor_config.json", "special_tokens_map.json", "tokenizer.json",
        "tokenizer_config.json"), fileNames(first));
    JsonNode config = JSON.readTree(first.resolve("config.json").toFile());
    assertEquals("llava_onevision", config.get("model_type").asText());
    assertEquals("LlavaOnevisionForConditionalGeneration", config.get("architectures").get(0).asText());
    assertEquals(151665, config.get("image_token_index").asInt());
    assertEquals(-2, config.get("vision_feature_layer").asInt());
    assertEquals("full", config.get("vision_feature_select_strategy").asText());
    assertEquals("anyres_max_9", config.get("vision_aspect_ratio").asText());
    assertEquals(36, config.get("image_grid_pinpoints").size());
    assertEquals("[384,768]", config.get("image_grid_pinpoints").get(1).toString());
    assertEquals("gelu", config.get("projector_hidden_act").asText());
    assertTrue(config.get("multimodal_projector_bias").asBoolean());
    assertEquals("bfloat16", config.get("torch_dtype").asText());
    JsonNode vision = config.get("vision_config");
    assertEquals("siglip_vision_model", vision.get("model_type").asText());
    assertEquals("[384, 14, 32, 3, 2, 64]", List.of(vision.get("image_size").asInt(), vision.get("patch_size").asInt(),
        vision.get("hidden_size").asInt(), vision.get("num_hidden_layers").asInt(),
        vision.get("num_attention_heads").asInt(), vision.get("intermediate_size").asInt()).toString());
    assertEquals("gelu_pytorch_tanh", vision.get("hidden_act").asText());
    JsonNode text = config.get("text_config");
    assertEquals("qwen2", text.get("model_type").asText());
    assertEquals(152064, text.get("vocab_size").asInt());
    assertEquals(1_000_000.0, text.get("rope_theta").asDouble());
    assertFalse(text.get("tie_word_embeddings").asBoolean());

    JsonNode preprocessor = JSON.readTree(first.resolve("preprocessor_config.json").toFile());
    assertEquals("LlavaOnevisionImageProcessor", preprocessor.get("image_processor_type").asText());
    assertEquals(384, preprocessor.get("size").get("height").asInt());
    assertEquals(3, preprocessor.get("resample").asInt());
    JsonNode processor = JSON.readTree(first.resolve("processor_config.json").toFile());
    assertEquals(729, processor.get("num_image_tokens").asInt());
    assertEquals(JSON.readTree(first.resolve("chat_template.json").toFile()).get("chat_template"),
        JSON.readTree(first.resolve("tokenizer_config.json").toFile()).get("chat_template"));
    assertEquals("[151645,151643]",
        JSON.readTree(first.resolve("generation_config.json").toFile()).get("eos_token_id").toString());
  }

  @Test
  void weightsUseTheNamesAndShapesTransformersLoads() throws IOException {
    try (SafetensorsCheckpoint weights = SafetensorsCheckpoint.open(first)) {
      List<String> names = new ArrayList<>();
      weights.names().forEach(names::add);
      // 1 newline + lm_head + embed + norm + 2 * 12 decoder + 4 projector + 3 embeddings + 3 * 16 vision + 2 post-norm
      assertEquals(1 + 3 + 24 + 4 + 3 + 48 + 2, names.size());
      for (String name : names) {
        assertEquals(SafetensorsDType.BF16, weights.info(name).dtype(), name);
      }
      assertShape(weights, "image_newline", 64);
      assertShape(weights, "language_model.lm_head.weight", 152064, 64);
      assertShape(weights, "language_model.model.embed_tokens.weight", 152064, 64);
      assertShape(weights, "language_model.model.layers.0.self_attn.k_proj.weight", 32, 64);
      assertShape(weights, "language_model.model.layers.0.self_attn.q_proj.bias", 64);
      assertShape(weights, "language_model.model.layers.1.mlp.down_proj.weight", 64, 128);
      assertFalse(names.contains("language_model.model.layers.0.self_attn.o_proj.bias"));
      assertShape(weights, "multi_modal_projector.linear_1.weight", 64, 32);
      assertShape(weights, "multi_modal_projector.linear_2.bias", 64);
      assertShape(weights, "vision_tower.vision_model.embeddings.patch_embedding.weight", 32, 3, 14, 14);
      assertShape(weights, "vision_tower.vision_model.embeddings.position_embedding.weight", 729, 32);
      assertShape(weights, "vision_tower.vision_model.encoder.layers.2.mlp.fc1.weight", 64, 32);
      assertShape(weights, "vision_tower.vision_model.post_layernorm.weight", 32);
      assertFalse(names.stream().anyMatch(n -> n.contains(".head.")), "vision_use_head is false");
      float[] norm = weights.floats("language_model.model.norm.weight");
      for (float scale : norm) {
        assertTrue(Math.abs(scale - 1) < 0.2f, "norm scales start near 1");
      }
    }
  }

  private static void assertShape(SafetensorsCheckpoint weights, String name, long... shape) {
    TensorInfo info = weights.info(name);
    assertArrayEquals(shape, info.shape(), name);
  }

  @Test
  void tokenizerHasQwen25AddedTokensThenImageAndTaskTokens() throws IOException {
    JsonNode tokenizer = JSON.readTree(first.resolve("tokenizer.json").toFile());
    assertEquals(151643, tokenizer.get("model").get("vocab").size());
    JsonNode added = tokenizer.get("added_tokens");
    List<String> expected = new ArrayList<>(List.of("<image>"));
    expected.addAll(VarcoTokenizer.TASK_TOKENS);
    assertEquals(151643, added.get(0).get("id").asInt());
    assertEquals("<|endoftext|>", added.get(0).get("content").asText());
    assertEquals(22 + expected.size(), added.size());
    for (int i = 0; i < added.size(); i++) {
      assertEquals(151643 + i, added.get(i).get("id").asInt(), "added token ids are consecutive");
    }
    assertEquals("<|im_start|>", added.get(1).get("content").asText());
    assertEquals("<|im_end|>", added.get(2).get("content").asText());
    assertEquals("<|file_sep|>", added.get(21).get("content").asText());
    for (int i = 0; i < expected.size(); i++) {
      JsonNode token = added.get(22 + i);
      assertEquals(expected.get(i), token.get("content").asText());
      assertEquals(151665 + i, token.get("id").asInt());
      assertEquals(i == 0, token.get("special").asBoolean(), "only <image> is special");
    }
    assertEquals("<delim>", added.get(added.size() - 1).get("content").asText());
    assertEquals(151674, added.get(added.size() - 1).get("id").asInt());

    JsonNode decoder = JSON.readTree(first.resolve("tokenizer_config.json").toFile()).get("added_tokens_decoder");
    assertEquals(added.size(), decoder.size());
    for (JsonNode token : added) {
      JsonNode entry = decoder.get(token.get("id").asText());
      assertEquals(token.get("content"), entry.get("content"));
      assertEquals(token.get("special"), entry.get("special"));
    }
    assertFalse(tokenizer.toString().contains("<think>"), "Qwen3-only tokens are dropped");
  }
}
