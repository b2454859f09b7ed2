package dev.varco.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The parts of a LLaVA-OneVision {@code config.json} the converter relies on, validated. Field
 * meanings follow transformers' {@code LlavaOnevisionConfig}; defaults are its defaults.
 */
public record LlavaOnevisionConfig(
    String modelType,
    List<String> architectures,
    SiglipVisionConfig vision,
    Qwen2TextConfig text,
    int imageTokenIndex,
    int visionFeatureLayer,
    String visionFeatureSelectStrategy,
    String visionAspectRatio,
    List<List<Integer>> imageGridPinpoints,
    String projectorHiddenAct,
    boolean multimodalProjectorBias,
    String torchDtype) {

  public static final String CONFIG_FILE = "config.json";
  public static final String MODEL_TYPE = "llava_onevision";
  /** "full" keeps every patch; "default" would drop the first one, which SigLIP has no CLS for. */
  public static final Set<String> SUPPORTED_SELECT_STRATEGIES = Set.of("full");
  public static final Set<String> SUPPORTED_PROJECTOR_ACTIVATIONS = Set.of("gelu", "gelu_pytorch_tanh");

  public static LlavaOnevisionConfig read(Path checkpointDir) {
    Path file = checkpointDir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(file)) {
      throw new UnsupportedCheckpointException(checkpointDir + " is not a Hugging Face checkpoint: "
          + CONFIG_FILE + " is missing");
    }
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UnsupportedCheckpointException(file + " is not valid JSON: " + e.getMessage());
    }
    return parse(root);
  }

  public static LlavaOnevisionConfig parse(JsonNode root) {
    ConfigFields f = new ConfigFields(root, "config.json");
    String modelType = f.optionalText("model_type", "(none)");
    if (!modelType.equals(MODEL_TYPE)) {
      throw new UnsupportedCheckpointException("unsupported model_type '" + modelType
          + "' in config.json (supported: " + MODEL_TYPE + ")");
    }
    List<String> architectures = new ArrayList<>();
    root.path("architectures").forEach(a -> architectures.add(a.asText()));
    SiglipVisionConfig vision = SiglipVisionConfig.parse(f.required("vision_config"));
    Qwen2TextConfig text = Qwen2TextConfig.parse(f.required("text_config"));

    JsonNode layerNode = root.get("vision_feature_layer");
    if (layerNode != null && !layerNode.isIntegralNumber()) {
      throw new UnsupportedCheckpointException("unsupported vision_feature_layer " + layerNode
          + " (only a single layer index is supported, not a list)");
    }
    int featureLayer = f.optionalInt("vision_feature_layer", -1);
    String strategy = f.optionalText("vision_feature_select_strategy", "full");
    if (!SUPPORTED_SELECT_STRATEGIES.contains(strategy)) {
      throw new UnsupportedCheckpointException("unsupported vision_feature_select_strategy '" + strategy
          + "' (supported: " + SUPPORTED_SELECT_STRATEGIES + ")");
    }
    String projectorAct = f.optionalText("projector_hidden_act", "gelu");
    if (!SUPPORTED_PROJECTOR_ACTIVATIONS.contains(projectorAct)) {
      throw new UnsupportedCheckpointException("unsupported projector_hidden_act '" + projectorAct
          + "' (supported: " + SUPPORTED_PROJECTOR_ACTIVATIONS + ")");
    }
    List<List<Integer>> pinpoints = new ArrayList<>();
    for (JsonNode pair : f.required("image_grid_pinpoints")) {
      if (pair.size() != 2) {
        throw new UnsupportedCheckpointException("image_grid_pinpoints entries must be [height, width], found " + pair);
      }
      pinpoints.add(List.of(pair.get(0).intValue(), pair.get(1).intValue()));
    }
    String dtype = f.optionalText("torch_dtype", f.optionalText("dtype",
        text.json().path("torch_dtype").asText("float32")));
    LlavaOnevisionConfig config = new LlavaOnevisionConfig(
        modelType,
        List.copyOf(architectures),
        vision,
        text,
        f.optionalInt("image_token_index", 151646),
        featureLayer,
        strategy,
        f.optionalText("vision_aspect_ratio", "anyres_max_9"),
        List.copyOf(pinpoints),
        projectorAct,
        f.optionalBoolean("multimodal_projector_bias", true),
        dtype);
    config.visionLayersToRun();
    return config;
  }

  /**
   * How many encoder layers produce the selected features. transformers returns hidden_states
   * with num_hidden_layers + 1 entries (index 0 = embeddings, index i = output of layer i), and
   * picks {@code hidden_states[vision_feature_layer]} with Python indexing; post_layernorm is
   * not part of hidden_states.
   */
  public int visionLayersToRun() {
    int entries = vision.numHiddenLayers() + 1;
    int index = visionFeatureLayer < 0 ? entries + visionFeatureLayer : visionFeatureLayer;
    if (index < 0 || index >= entries) {
      throw new UnsupportedCheckpointException("vision_feature_layer " + visionFeatureLayer
          + " is out of range for a vision tower of " + vision.numHiddenLayers() + " layers");
    }
    return index;
  }

  /** Feature rows one tile yields (every patch, as strategy "full" keeps them all). */
  public int tokensPerTile() {
    return vision.numPatches();
  }
}
