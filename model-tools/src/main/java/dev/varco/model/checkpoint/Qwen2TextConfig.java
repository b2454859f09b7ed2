package dev.varco.model.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The {@code text_config} of a LLaVA-OneVision checkpoint (a Qwen2 decoder). {@link #json()} keeps
 * the whole node so the exported {@code llm/config.json} carries every field the checkpoint had.
 */
public record Qwen2TextConfig(
    String modelType,
    int hiddenSize,
    int intermediateSize,
    int numHiddenLayers,
    int numAttentionHeads,
    int numKeyValueHeads,
    int vocabSize,
    int maxPositionEmbeddings,
    double ropeTheta,
    double rmsNormEps,
    boolean tieWordEmbeddings,
    List<Integer> bosTokenIds,
    List<Integer> eosTokenIds,
    ObjectNode json) {

  public static Qwen2TextConfig parse(JsonNode node) {
    if (!node.isObject()) {
      throw new UnsupportedCheckpointException("config.json text_config must be an object");
    }
    ConfigFields f = new ConfigFields(node, "config.json text_config");
    String modelType = f.optionalText("model_type", "qwen2");
    if (!modelType.equals("qwen2")) {
      throw new UnsupportedCheckpointException("unsupported text_config.model_type '" + modelType
          + "' (supported: qwen2)");
    }
    int heads = f.requiredInt("num_attention_heads");
    Qwen2TextConfig config = new Qwen2TextConfig(
        modelType,
        f.requiredInt("hidden_size"),
        f.requiredInt("intermediate_size"),
        f.requiredInt("num_hidden_layers"),
        heads,
        f.optionalInt("num_key_value_heads", heads),
        f.requiredInt("vocab_size"),
        f.requiredInt("max_position_embeddings"),
        f.optionalDouble("rope_theta", 10000.0),
        f.optionalDouble("rms_norm_eps", 1e-6),
        f.optionalBoolean("tie_word_embeddings", false),
        f.intOrIntList("bos_token_id"),
        f.intOrIntList("eos_token_id"),
        ((ObjectNode) node).deepCopy());
    if (config.hiddenSize % heads != 0 || heads % config.numKeyValueHeads != 0) {
      throw new UnsupportedCheckpointException("text_config: hidden_size " + config.hiddenSize
          + ", num_attention_heads " + heads + " and num_key_value_heads " + config.numKeyValueHeads
          + " do not divide evenly");
    }
    String act = f.optionalText("hidden_act", "silu");
    if (!act.equals("silu")) {
      throw new UnsupportedCheckpointException("unsupported text_config.hidden_act '" + act + "' (supported: silu)");
    }
    return config;
  }

  public int headDim() {
    return hiddenSize / numAttentionHeads;
  }
}
