package dev.varco.model.tiny;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.varco.model.safetensors.SafetensorsCheckpointWriter;
import dev.varco.model.safetensors.SafetensorsDType;
import dev.varco.model.safetensors.SafetensorsWriter;
import dev.varco.model.safetensors.TensorData;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Writes a Hugging Face LLaVA-OneVision checkpoint in the format of NCSOFT/VARCO-VISION-14B-HF
 * (config, bf16 safetensors with the pre-4.52 tensor names, tokenizer, processor files) with
 * random weights that depend only on the seed: same seed, same bytes.
 */
public final class TinyCheckpointGenerator {
  /** Bump when the generated checkpoint changes, so prepared tiny models are regenerated. */
  public static final int GENERATOR_VERSION = 1;
  public static final String NAME = "varco-vision-tiny";
  static final String CHAT_TEMPLATE_RESOURCE = "/dev/varco/model/tiny/llava_onevision_chat_template.jinja";
  private static final double INIT_STD = 0.02;
  private static final String TRANSFORMERS_VERSION = "4.45.0";

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Two-space indentation with one entry per line, as transformers' save_pretrained writes. */
  private static final ObjectWriter PRETTY = JSON.writer(
      new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter("  ", "\n"))
          .withArrayIndenter(new DefaultIndenter("  ", "\n")));

  private final TinyModelSpec spec;
  private final long seed;

  public TinyCheckpointGenerator(TinyModelSpec spec, long seed) {
    this.spec = spec;
    this.seed = seed;
  }

  /** Writes the checkpoint into {@code dir} with its weights in {@code shards} safetensors files. */
  public void generate(Path dir, int shards) throws IOException {
    Files.createDirectories(dir);
    String chatTemplate = chatTemplate();
    VarcoTokenizer tokenizer = VarcoTokenizer.build(chatTemplate);
    int imageTokenId = tokenizer.id(VarcoTokenizer.IMAGE_TOKEN);
    int endOfTurn = tokenizer.id("<|im_end|>");
    int endOfText = tokenizer.id("<|endoftext|>");

    PRETTY.writeValue(dir.resolve("config.json").toFile(), config(imageTokenId, endOfText, endOfTurn));
    ObjectNode generation = JSON.createObjectNode();
    generation.put("bos_token_id", endOfText);
    generation.putArray("eos_token_id").add(endOfTurn).add(endOfText);
    generation.put("pad_token_id", endOfText);
    generation.put("transformers_version", TRANSFORMERS_VERSION);
    PRETTY.writeValue(dir.resolve("generation_config.json").toFile(), generation);
    PRETTY.writeValue(dir.resolve("preprocessor_config.json").toFile(), preprocessorConfig());
    PRETTY.writeValue(dir.resolve("processor_config.json").toFile(), processorConfig());
    ObjectNode template = JSON.createObjectNode().put("chat_template", chatTemplate);
    PRETTY.writeValue(dir.resolve("chat_template.json").toFile(), template);
    JSON.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer.tokenizerJson());
    PRETTY.writeValue(dir.resolve("tokenizer_config.json").toFile(), tokenizer.tokenizerConfigJson());
    ObjectNode specialTokens = JSON.createObjectNode();
    ArrayNode additional = specialTokens.putArray("additional_special_tokens");
    tokenizer.tokenizerConfigJson().withArrayProperty("additional_special_tokens").forEach(additional::add);
    specialTokens.put("eos_token", "<|im_end|>");
    specialTokens.put("pad_token", "<|endoftext|>");
    PRETTY.writeValue(dir.resolve("special_tokens_map.json").toFile(), specialTokens);

    SafetensorsCheckpointWriter.write(dir, weights(), shards, Map.of("format", "pt"));
  }

  static String chatTemplate() {
    try (InputStream in = TinyCheckpointGenerator.class.getResourceAsStream(CHAT_TEMPLATE_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(CHAT_TEMPLATE_RESOURCE + " is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ObjectNode config(int imageTokenId, int bos, int eos) {
    ObjectNode root = JSON.createObjectNode();
    root.put("_name_or_path", NAME);
    root.putArray("architectures").add("LlavaOnevisionForConditionalGeneration");
    root.put("ignore_index", -100);
    ArrayNode pinpoints = root.putArray("image_grid_pinpoints");
    spec.imageGridPinpoints().forEach(p -> pinpoints.addArray().add(p.get(0)).add(p.get(1)));
    root.put("image_token_index", imageTokenId);
    root.put("model_type", "llava_onevision");
    root.put("multimodal_projector_bias", true);
    root.put("projector_hidden_act", "gelu");

    ObjectNode text = root.putObject("text_config");
    text.putArray("architectures").add("Qwen2ForCausalLM");
    text.put("attention_dropout", 0.0);
    text.put("bos_token_id", bos);
    text.put("eos_token_id", eos);
    text.put("hidden_act", "silu");
    text.put("hidden_size", spec.textHiddenSize());
    text.put("initializer_range", INIT_STD);
    text.put("intermediate_size", spec.textIntermediateSize());
    text.put("max_position_embeddings", spec.maxPositionEmbeddings());
    text.put("max_window_layers", spec.textLayers());
    text.put("model_type", "qwen2");
    text.put("num_attention_heads", spec.textHeads());
    text.put("num_hidden_layers", spec.textLayers());
    text.put("num_key_value_heads", spec.textKeyValueHeads());
    text.put("rms_norm_eps", 1e-6);
    text.putNull("rope_scaling");
    text.put("rope_theta", spec.ropeTheta());
    text.put("sliding_window", spec.maxPositionEmbeddings());
    text.put("tie_word_embeddings", false);
    text.put("torch_dtype", "bfloat16");
    text.put("use_cache", true);
    text.put("use_sliding_window", false);
    text.put("vocab_size", spec.vocabSize());

    root.put("tie_word_embeddings", false);
    root.put("torch_dtype", "bfloat16");
    root.put("transformers_version", TRANSFORMERS_VERSION);
    root.put("use_image_newline_parameter", true);
    root.put("vision_aspect_ratio", "anyres_max_9");

    ObjectNode vision = root.putObject("vision_config");
    vision.put("attention_dropout", 0.0);
    vision.put("hidden_act", "gelu_pytorch_tanh");
    vision.put("hidden_size", spec.visionHiddenSize());
    vision.put("image_size", spec.imageSize());
    vision.put("intermediate_size", spec.visionIntermediateSize());
    vision.put("layer_norm_eps", 1e-6);
    vision.put("model_type", "siglip_vision_model");
    vision.put("num_attention_heads", spec.visionHeads());
    vision.put("num_channels", 3);
    vision.put("num_hidden_layers", spec.visionLayers());
    vision.put("patch_size", spec.patchSize());
    // LLaVA-OneVision reads hidden states, never the pooled output: no attention-pooling head.
    vision.put("vision_use_head", false);

    root.put("vision_feature_layer", spec.visionFeatureLayer());
    root.put("vision_feature_select_strategy", "full");
    return root;
  }

  private ObjectNode preprocessorConfig() {
    ObjectNode p = JSON.createObjectNode();
    p.put("do_convert_rgb", true);
    p.put("do_normalize", true);
    p.put("do_pad", true);
    p.put("do_rescale", true);
    p.put("do_resize", true);
    ArrayNode pinpoints = p.putArray("image_grid_pinpoints");
    spec.imageGridPinpoints().forEach(pp -> pinpoints.addArray().add(pp.get(0)).add(pp.get(1)));
    p.putArray("image_mean").add(0.5).add(0.5).add(0.5);
    p.put("image_processor_type", "LlavaOnevisionImageProcessor");
    p.putArray("image_std").add(0.5).add(0.5).add(0.5);
    p.put("processor_class", "LlavaOnevisionProcessor");
    p.put("resample", 3);
    p.put("rescale_factor", 1.0 / 255.0);
    p.putObject("size").put("height", spec.imageSize()).put("width", spec.imageSize());
    return p;
  }

  private ObjectNode processorConfig() {
    ObjectNode p = JSON.createObjectNode();
    p.put("num_image_tokens", spec.patchesPerTile());
    p.put("processor_class", "LlavaOnevisionProcessor");
    p.put("vision_aspect_ratio", "anyres_max_9");
    p.put("vision_feature_select_strategy", "full");
    return p;
  }

  /** All tensors, in the order and with the names of the published VARCO-VISION-14B-HF. */
  private List<SafetensorsWriter.Entry> weights() {
    List<SafetensorsWriter.Entry> entries = new ArrayList<>();
    long textH = spec.textHiddenSize();
    long textKv = (long) spec.textKeyValueHeads() * (spec.textHiddenSize() / spec.textHeads());
    long textInner = spec.textIntermediateSize();
    long vocab = spec.vocabSize();

    entries.add(normal("image_newline", textH));
    String lm = "language_model.model.";
    entries.add(normal("language_model.lm_head.weight", vocab, textH));
    entries.add(normal(lm + "embed_tokens.weight", vocab, textH));
    for (int layer = 0; layer < spec.textLayers(); layer++) {
      String p = lm + "layers." + layer + ".";
      entries.add(scale(p + "input_layernorm.weight", textH));
      entries.add(normal(p + "mlp.down_proj.weight", textH, textInner));
      entries.add(normal(p + "mlp.gate_proj.weight", textInner, textH));
      entries.add(normal(p + "mlp.up_proj.weight", textInner, textH));
      entries.add(scale(p + "post_attention_layernorm.weight", textH));
      entries.add(normal(p + "self_attn.k_proj.bias", textKv));
      entries.add(normal(p + "self_attn.k_proj.weight", textKv, textH));
      entries.add(normal(p + "self_attn.o_proj.weight", textH, textH));
      entries.add(normal(p + "self_attn.q_proj.bias", textH));
      entries.add(normal(p + "self_attn.q_proj.weight", textH, textH));
      entries.add(normal(p + "self_attn.v_proj.bias", textKv));
      entries.add(normal(p + "self_attn.v_proj.weight", textKv, textH));
    }
    entries.add(scale(lm + "norm.weight", textH));

    long visionH = spec.visionHiddenSize();
    entries.add(normal("multi_modal_projector.linear_1.bias", textH));
    entries.add(normal("multi_modal_projector.linear_1.weight", textH, visionH));
    entries.add(normal("multi_modal_projector.linear_2.bias", textH));
    entries.add(normal("multi_modal_projector.linear_2.weight", textH, textH));

    String v = "vision_tower.vision_model.";
    long inner = spec.visionIntermediateSize();
    entries.add(normal(v + "embeddings.patch_embedding.bias", visionH));
    entries.add(normal(v + "embeddings.patch_embedding.weight", visionH, 3, spec.patchSize(), spec.patchSize()));
    entries.add(normal(v + "embeddings.position_embedding.weight", spec.patchesPerTile(), visionH));
    for (int layer = 0; layer < spec.visionLayers(); layer++) {
      String p = v + "encoder.layers." + layer + ".";
      entries.add(normal(p + "layer_norm1.bias", visionH));
      entries.add(scale(p + "layer_norm1.weight", visionH));
      entries.add(normal(p + "layer_norm2.bias", visionH));
      entries.add(scale(p + "layer_norm2.weight", visionH));
      entries.add(normal(p + "mlp.fc1.bias", inner));
      entries.add(normal(p + "mlp.fc1.weight", inner, visionH));
      entries.add(normal(p + "mlp.fc2.bias", visionH));
      entries.add(normal(p + "mlp.fc2.weight", visionH, inner));
      for (String proj : List.of("k_proj", "out_proj", "q_proj", "v_proj")) {
        entries.add(normal(p + "self_attn." + proj + ".bias", visionH));
        entries.add(normal(p + "self_attn." + proj + ".weight", visionH, visionH));
      }
    }
    entries.add(normal(v + "post_layernorm.bias", visionH));
    entries.add(scale(v + "post_layernorm.weight", visionH));
    return entries;
  }

  /** Weights, biases and embeddings: N(0, 0.02). Biases are random too, so tests see them. */
  private SafetensorsWriter.Entry normal(String name, long... shape) {
    return entry(name, 0.0, shape);
  }

  /** Norm scales: N(1, 0.02), near the usual ones-init but not all equal, so tests see them. */
  private SafetensorsWriter.Entry scale(String name, long... shape) {
    return entry(name, 1.0, shape);
  }

  private SafetensorsWriter.Entry entry(String name, double mean, long... shape) {
    long count = 1;
    for (long dim : shape) {
      count *= dim;
    }
    int n = Math.toIntExact(count);
    TensorData data = out -> TensorData.ofFloats(SeededNormal.values(seed, name, n, mean, INIT_STD),
        SafetensorsDType.BF16).writeTo(out);
    return new SafetensorsWriter.Entry(name, SafetensorsDType.BF16, shape, data);
  }
}
