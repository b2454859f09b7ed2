package dev.varco.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * The {@code vision_config} of a LLaVA-OneVision checkpoint (a SigLIP vision transformer).
 * Defaults are those of transformers' {@code SiglipVisionConfig} for fields a config may omit.
 */
public record SiglipVisionConfig(
    String modelType,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numChannels,
    int imageSize,
    int patchSize,
    String hiddenAct,
    double layerNormEps) {

  /** Activations the exported graph can express (ONNX Gelu with approximate "tanh" or "none"). */
  public static final Set<String> SUPPORTED_ACTIVATIONS = Set.of("gelu_pytorch_tanh", "gelu");

  static SiglipVisionConfig parse(JsonNode node) {
    ConfigFields f = new ConfigFields(node, "config.json vision_config");
    String modelType = f.optionalText("model_type", "siglip_vision_model");
    if (!modelType.equals("siglip_vision_model")) {
      throw new UnsupportedCheckpointException("unsupported vision_config.model_type '" + modelType
          + "' (supported: siglip_vision_model)");
    }
    SiglipVisionConfig config = new SiglipVisionConfig(
        modelType,
        f.optionalInt("hidden_size", 768),
        f.optionalInt("intermediate_size", 3072),
        f.optionalInt("num_hidden_layers", 12),
        f.optionalInt("num_attention_heads", 12),
        f.optionalInt("num_channels", 3),
        f.optionalInt("image_size", 224),
        f.optionalInt("patch_size", 16),
        f.optionalText("hidden_act", "gelu_pytorch_tanh"),
        f.optionalDouble("layer_norm_eps", 1e-6));
    if (!SUPPORTED_ACTIVATIONS.contains(config.hiddenAct)) {
      throw new UnsupportedCheckpointException("unsupported vision_config.hidden_act '" + config.hiddenAct
          + "' (supported: " + SUPPORTED_ACTIVATIONS + ")");
    }
    if (config.hiddenSize % config.numAttentionHeads != 0) {
      throw new UnsupportedCheckpointException("vision_config.hidden_size " + config.hiddenSize
          + " is not divisible by num_attention_heads " + config.numAttentionHeads);
    }
    if (config.patchSize <= 0 || config.imageSize < config.patchSize) {
      throw new UnsupportedCheckpointException("vision_config.image_size " + config.imageSize
          + " and patch_size " + config.patchSize + " give no patches");
    }
    return config;
  }

  /**
   * Patches along one side: a stride-p convolution without padding, so the remainder is
   * dropped (384 / 14 -> 27: the last 6 pixel rows and columns are not seen, as in SigLIP).
   */
  public int patchesPerSide() {
    return imageSize / patchSize;
  }

  public int numPatches() {
    return patchesPerSide() * patchesPerSide();
  }

  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }
}
