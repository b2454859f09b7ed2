package dev.varco.model.convert;

import static dev.varco.model.onnx.OnnxGraphBuilder.floating;
import static dev.varco.model.onnx.OnnxGraphBuilder.integer;
import static dev.varco.model.onnx.OnnxGraphBuilder.ints;
import static dev.varco.model.onnx.OnnxGraphBuilder.string;

import dev.varco.model.checkpoint.LlavaOnevisionConfig;
import dev.varco.model.checkpoint.LlavaOnevisionTensors;
import dev.varco.model.checkpoint.SiglipVisionConfig;
import dev.varco.model.onnx.OnnxGraphBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Exports the SigLIP vision tower (up to {@code vision_feature_layer}) and the multimodal
 * projector as one ONNX graph: {@code pixel_values [N,C,S,S] -> image_features [N,T,H]}.
 * Follows transformers' SiglipVisionEmbeddings / SiglipEncoderLayer and
 * LlavaOnevisionMultiModalProjector; post_layernorm and the pooling head are not used by LLaVA.
 */
final class VisionEncoderExporter {
  static final String INPUT = "pixel_values";
  static final String OUTPUT = "image_features";

  private final LlavaOnevisionConfig config;
  private final LlavaOnevisionTensors tensors;

  VisionEncoderExporter(LlavaOnevisionConfig config, LlavaOnevisionTensors tensors) {
    this.config = config;
    this.tensors = tensors;
  }

  int layers() {
    return config.visionLayersToRun();
  }

  /** Every tensor the export reads, with the shape config.json implies. */
  List<RequiredTensor> requiredTensors() {
    SiglipVisionConfig v = config.vision();
    long d = v.hiddenSize();
    long inner = v.intermediateSize();
    long text = config.text().hiddenSize();
    List<RequiredTensor> required = new ArrayList<>();
    required.add(new RequiredTensor(tensors.vision("vision_model.embeddings.patch_embedding.weight"),
        d, v.numChannels(), v.patchSize(), v.patchSize()));
    required.add(new RequiredTensor(tensors.vision("vision_model.embeddings.patch_embedding.bias"), d));
    required.add(new RequiredTensor(tensors.vision("vision_model.embeddings.position_embedding.weight"),
        v.numPatches(), d));
    for (int layer = 0; layer < layers(); layer++) {
      for (String proj : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
        required.add(new RequiredTensor(layerTensor(layer, "self_attn." + proj + ".weight"), d, d));
        required.add(new RequiredTensor(layerTensor(layer, "self_attn." + proj + ".bias"), d));
      }
      for (String norm : List.of("layer_norm1", "layer_norm2")) {
        required.add(new RequiredTensor(layerTensor(layer, norm + ".weight"), d));
        required.add(new RequiredTensor(layerTensor(layer, norm + ".bias"), d));
      }
      required.add(new RequiredTensor(layerTensor(layer, "mlp.fc1.weight"), inner, d));
      required.add(new RequiredTensor(layerTensor(layer, "mlp.fc1.bias"), inner));
      required.add(new RequiredTensor(layerTensor(layer, "mlp.fc2.weight"), d, inner));
      required.add(new RequiredTensor(layerTensor(layer, "mlp.fc2.bias"), d));
    }
    required.add(new RequiredTensor(tensors.projector("linear_1.weight"), text, d));
    required.add(new RequiredTensor(tensors.projector("linear_2.weight"), text, text));
    if (config.multimodalProjectorBias()) {
      required.add(new RequiredTensor(tensors.projector("linear_1.bias"), text));
      required.add(new RequiredTensor(tensors.projector("linear_2.bias"), text));
    }
    required.add(new RequiredTensor(tensors.imageNewline(), text));
    return required;
  }

  private String layerTensor(int layer, String suffix) {
    return tensors.vision("vision_model.encoder.layers." + layer + "." + suffix);
  }

  /** Writes {@code onnxFile} and its external data file {@code dataFile} (same folder). */
  void export(Path onnxFile, Path dataFile, ProgressTracker progress) throws IOException {
    SiglipVisionConfig v = config.vision();
    int d = v.hiddenSize();
    int heads = v.numAttentionHeads();
    int headDim = v.headDim();
    try (OnnxGraphBuilder g = new OnnxGraphBuilder("siglip_projector", dataFile)) {
      String[] batch = {"N"};
      String x = g.floatInput(INPUT, batch, -1, v.numChannels(), v.imageSize(), v.imageSize());
      String bySequence = g.int64Constant("shape_batch_hidden_patches", 0, d, -1);
      String toHeads = g.int64Constant("shape_batch_tokens_heads_headdim", 0, 0, heads, headDim);
      String fromHeads = g.int64Constant("shape_batch_tokens_hidden", 0, 0, d);
      String scale = g.floatScalar("attention_scale", (float) (1.0 / Math.sqrt(headDim)));

      // Embeddings: a stride-p convolution cuts the image into patches; add learned positions.
      String patchWeight = weight(g, "vision_model.embeddings.patch_embedding.weight");
      String patchBias = weight(g, "vision_model.embeddings.patch_embedding.bias");
      x = g.node("Conv", "patches", List.of(x, patchWeight, patchBias),
          ints("kernel_shape", v.patchSize(), v.patchSize()), ints("strides", v.patchSize(), v.patchSize()));
      x = g.node("Reshape", "patches_flat", List.of(x, bySequence));
      x = g.node("Transpose", "patch_rows", List.of(x), ints("perm", 0, 2, 1));
      x = g.node("Add", "embeddings", List.of(x, weight(g, "vision_model.embeddings.position_embedding.weight")));
      progress.step("vision encoder", "embeddings");

      String visionGelu = v.hiddenAct().equals("gelu_pytorch_tanh") ? "tanh" : "none";
      for (int layer = 0; layer < layers(); layer++) {
        String p = "vision_model.encoder.layers." + layer + ".";
        // Attention block (pre-norm).
        String normed = layerNorm(g, x, p + "layer_norm1", v.layerNormEps());
        String q = linear(g, normed, p + "self_attn.q_proj");
        String k = linear(g, normed, p + "self_attn.k_proj");
        String val = linear(g, normed, p + "self_attn.v_proj");
        q = g.node("Transpose", "q_heads", List.of(g.node("Reshape", "q", List.of(q, toHeads))), ints("perm", 0, 2, 1, 3));
        k = g.node("Transpose", "k_heads_t", List.of(g.node("Reshape", "k", List.of(k, toHeads))), ints("perm", 0, 2, 3, 1));
        val = g.node("Transpose", "v_heads", List.of(g.node("Reshape", "v", List.of(val, toHeads))), ints("perm", 0, 2, 1, 3));
        String scores = g.node("Mul", "scores", List.of(g.node("MatMul", "qk", List.of(q, k)), scale));
        String probs = g.node("Softmax", "attention", List.of(scores), integer("axis", -1));
        String context = g.node("MatMul", "context", List.of(probs, val));
        context = g.node("Transpose", "context_tokens", List.of(context), ints("perm", 0, 2, 1, 3));
        context = g.node("Reshape", "context_flat", List.of(context, fromHeads));
        x = g.node("Add", "attention_residual", List.of(x, linear(g, context, p + "self_attn.out_proj")));
        // MLP block (pre-norm).
        normed = layerNorm(g, x, p + "layer_norm2", v.layerNormEps());
        String hidden = g.node("Gelu", "mlp_act", List.of(linear(g, normed, p + "mlp.fc1")),
            string("approximate", visionGelu));
        x = g.node("Add", "mlp_residual", List.of(x, linear(g, hidden, p + "mlp.fc2")));
        progress.step("vision encoder", "layer " + (layer + 1) + "/" + layers());
      }

      // Projector: linear_1, GELU, linear_2.
      String projectorGelu = config.projectorHiddenAct().equals("gelu_pytorch_tanh") ? "tanh" : "none";
      String h = projectorLinear(g, x, "linear_1", false);
      h = g.node("Gelu", "projector_act", List.of(h), string("approximate", projectorGelu));
      projectorLinear(g, h, "linear_2", true);
      g.floatOutput(OUTPUT, batch, -1, config.tokensPerTile(), config.text().hiddenSize());
      g.save(onnxFile, "varco-model-tools");
      progress.step("vision encoder", "projector");
    }
  }

  /** Graph initializers are named without the checkpoint's layout prefix, so both layouts give one graph. */
  private String weight(OnnxGraphBuilder g, String visionSuffix) throws IOException {
    String name = tensors.vision(visionSuffix);
    var info = tensors.weights().info(name);
    return g.weight(visionSuffix, tensors.weights().floats(name), info.shape());
  }

  private String layerNorm(OnnxGraphBuilder g, String x, String prefix, double eps) throws IOException {
    return g.node("LayerNormalization", "layer_norm",
        List.of(x, weight(g, prefix + ".weight"), weight(g, prefix + ".bias")),
        integer("axis", -1), floating("epsilon", (float) eps));
  }

  /** {@code x W^T + b} as MatMul + Add; the weight is stored pre-transposed to [in, out]. */
  private String linear(OnnxGraphBuilder g, String x, String prefix) throws IOException {
    String product = g.node("MatMul", "linear",
        List.of(x, transposedWeight(g, tensors.vision(prefix + ".weight"), prefix + ".weight")));
    return g.node("Add", "linear_bias", List.of(product, weight(g, prefix + ".bias")));
  }

  private String projectorLinear(OnnxGraphBuilder g, String x, String layer, boolean isOutput) throws IOException {
    String graphName = "multi_modal_projector." + layer;
    boolean hasBias = config.multimodalProjectorBias();
    List<String> matmulInputs =
        List.of(x, transposedWeight(g, tensors.projector(layer + ".weight"), graphName + ".weight"));
    if (!hasBias) {
      return isOutput ? g.namedNode("MatMul", OUTPUT, matmulInputs) : g.node("MatMul", layer, matmulInputs);
    }
    String product = g.node("MatMul", layer, matmulInputs);
    String biasName = tensors.projector(layer + ".bias");
    var biasInfo = tensors.weights().info(biasName);
    String bias = g.weight(graphName + ".bias", tensors.weights().floats(biasName), biasInfo.shape());
    return isOutput
        ? g.namedNode("Add", OUTPUT, List.of(product, bias))
        : g.node("Add", layer + "_bias", List.of(product, bias));
  }

  private String transposedWeight(OnnxGraphBuilder g, String name, String graphName) throws IOException {
    var info = tensors.weights().info(name);
    int out = (int) info.shape()[0];
    int in = (int) info.shape()[1];
    float[] w = tensors.weights().floats(name);
    float[] t = new float[w.length];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        t[i * out + o] = w[o * in + i];
      }
    }
    return g.weight(graphName + ".T", t, in, out);
  }
}
