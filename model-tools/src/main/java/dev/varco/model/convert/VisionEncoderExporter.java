package dev.varco.model.convert;

import static dev.varco.model.onnx.OnnxGraphBuilder.floating;
import static dev.varco.model.onnx.OnnxGraphBuilder.integer;
import static dev.varco.model.onnx.OnnxGraphBuilder.ints;
import static dev.varco.model.onnx.OnnxGraphBuilder.string;

import ai.onnx.proto.OnnxMl.TensorProto;
import dev.varco.model.checkpoint.LlavaOnevisionConfig;
import dev.varco.model.checkpoint.LlavaOnevisionTensors;
import dev.varco.model.checkpoint.SiglipVisionConfig;
import dev.varco.model.manifest.EncoderPrecision;
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

  /**
   * Writes {@code onnxFile} and its external data file {@code dataFile} (same folder) with the
   * linear layers in {@code precision}.
   */
  void export(Path onnxFile, Path dataFile, EncoderPrecision precision, ProgressTracker progress) throws IOException {
    SiglipVisionConfig v = config.vision();
    int d = v.hiddenSize();
    int heads = v.numAttentionHeads();
    int headDim = v.headDim();
    String stage = precision == EncoderPrecision.FP32 ? "vision encoder" : "vision encoder " + precision.key();
    try (OnnxGraphBuilder g = new OnnxGraphBuilder("siglip_projector", dataFile)) {
      Linears linears = new Linears(g, precision);
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
      progress.step(stage, "embeddings");

      String visionGelu = v.hiddenAct().equals("gelu_pytorch_tanh") ? "tanh" : "none";
      for (int layer = 0; layer < layers(); layer++) {
        String p = "vision_model.encoder.layers." + layer + ".";
        // Attention block (pre-norm).
        String normed = layerNorm(g, x, p + "layer_norm1", v.layerNormEps());
        String q = linears.vision(normed, p + "self_attn.q_proj");
        String k = linears.vision(normed, p + "self_attn.k_proj");
        String val = linears.vision(normed, p + "self_attn.v_proj");
        q = g.node("Transpose", "q_heads", List.of(g.node("Reshape", "q", List.of(q, toHeads))), ints("perm", 0, 2, 1, 3));
        k = g.node("Transpose", "k_heads_t", List.of(g.node("Reshape", "k", List.of(k, toHeads))), ints("perm", 0, 2, 3, 1));
        val = g.node("Transpose", "v_heads", List.of(g.node("Reshape", "v", List.of(val, toHeads))), ints("perm", 0, 2, 1, 3));
        String scores = g.node("Mul", "scores", List.of(g.node("MatMul", "qk", List.of(q, k)), scale));
        String probs = g.node("Softmax", "attention", List.of(scores), integer("axis", -1));
        String context = g.node("MatMul", "context", List.of(probs, val));
        context = g.node("Transpose", "context_tokens", List.of(context), ints("perm", 0, 2, 1, 3));
        context = g.node("Reshape", "context_flat", List.of(context, fromHeads));
        x = g.node("Add", "attention_residual", List.of(x, linears.vision(context, p + "self_attn.out_proj")));
        // MLP block (pre-norm).
        normed = layerNorm(g, x, p + "layer_norm2", v.layerNormEps());
        String hidden = g.node("Gelu", "mlp_act", List.of(linears.vision(normed, p + "mlp.fc1")),
            string("approximate", visionGelu));
        x = g.node("Add", "mlp_residual", List.of(x, linears.vision(hidden, p + "mlp.fc2")));
        progress.step(stage, "layer " + (layer + 1) + "/" + layers());
      }

      // Projector: linear_1, GELU, linear_2.
      String projectorGelu = config.projectorHiddenAct().equals("gelu_pytorch_tanh") ? "tanh" : "none";
      String h = linears.projector(x, "linear_1", null);
      h = g.node("Gelu", "projector_act", List.of(h), string("approximate", projectorGelu));
      linears.projector(h, "linear_2", OUTPUT);
      g.floatOutput(OUTPUT, batch, -1, config.tokensPerTile(), config.text().hiddenSize());
      g.save(onnxFile, "varco-model-tools");
      progress.step(stage, "projector");
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

  /** Writes {@code x W^T + b} nodes in one precision; weights are stored pre-transposed to [in, out]. */
  private final class Linears {
    private final OnnxGraphBuilder g;
    private final EncoderPrecision precision;

    Linears(OnnxGraphBuilder g, EncoderPrecision precision) {
      this.g = g;
      this.precision = precision;
    }

    String vision(String x, String prefix) throws IOException {
      String product = product(x, tensors.vision(prefix + ".weight"), prefix + ".weight");
      return g.node("Add", "linear_bias", List.of(product, weight(g, prefix + ".bias")));
    }

    /** A projector layer; {@code outputName} non-null makes its result that graph output. */
    String projector(String x, String layer, String outputName) throws IOException {
      String graphName = "multi_modal_projector." + layer;
      String product = product(x, tensors.projector(layer + ".weight"), graphName + ".weight");
      if (!config.multimodalProjectorBias()) {
        return outputName == null ? product : g.namedNode("Identity", outputName, List.of(product));
      }
      String biasName = tensors.projector(layer + ".bias");
      String bias = g.weight(graphName + ".bias", tensors.weights().floats(biasName),
          tensors.weights().info(biasName).shape());
      return outputName == null
          ? g.node("Add", layer + "_bias", List.of(product, bias))
          : g.namedNode("Add", outputName, List.of(product, bias));
    }

    private String product(String x, String checkpointName, String graphName) throws IOException {
      var info = tensors.weights().info(checkpointName);
      int out = (int) info.shape()[0];
      int in = (int) info.shape()[1];
      float[] transposed = transpose(tensors.weights().floats(checkpointName), out, in);
      if (precision == EncoderPrecision.FP32) {
        return g.node("MatMul", "linear", List.of(x, g.weight(graphName + ".T", transposed, in, out)));
      }
      // The pattern ONNX Runtime fuses into DynamicQuantizeMatMul: quantize the activations per
      // run (uint8, one scale and zero point per tensor), integer matmul with the int8 weights,
      // then rescale by activation scale * per-column weight scale.
      Int8ColumnQuantization quantized = Int8ColumnQuantization.of(transposed, in, out);
      String weightQ = g.int8Weight(graphName + ".T.int8", quantized.values(), in, out);
      String weightScales = g.weight(graphName + ".T.scale", quantized.scales(), out);
      List<String> xq = g.multiOutputNode("DynamicQuantizeLinear", "x_quantized", 3, List.of(x));
      String integers = g.node("MatMulInteger", "linear_int", List.of(xq.get(0), weightQ, xq.get(2)));
      String floats = g.node("Cast", "linear_int_float", List.of(integers),
          integer("to", TensorProto.DataType.FLOAT_VALUE));
      String scales = g.node("Mul", "linear_scales", List.of(xq.get(1), weightScales));
      return g.node("Mul", "linear_dequantized", List.of(floats, scales));
    }
  }

  private static float[] transpose(float[] w, int out, int in) {
    float[] t = new float[w.length];
    for (int o = 0; o < out; o++) {
      for (int i = 0; i < in; i++) {
        t[i * out + o] = w[o * in + i];
      }
    }
    return t;
  }
}
