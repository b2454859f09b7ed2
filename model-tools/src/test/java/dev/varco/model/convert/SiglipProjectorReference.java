package dev.varco.model.convert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.model.safetensors.SafetensorsCheckpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An independent plain-Java, double-precision forward pass of transformers'
 * LlavaOnevisionModel.get_image_features for one tile, written from the Hugging Face module
 * definitions (SiglipVisionEmbeddings, SiglipEncoderLayer, SiglipAttention, SiglipMLP,
 * LlavaOnevisionMultiModalProjector), reading the checkpoint's own config and tensor names.
 * It shares nothing with the ONNX graph builder.
 */
final class SiglipProjectorReference {
  private final SafetensorsCheckpoint weights;
  private final JsonNode config;
  private final JsonNode vision;

  SiglipProjectorReference(Path checkpointDir, SafetensorsCheckpoint weights) throws IOException {
    this.weights = weights;
    this.config = new ObjectMapper().readTree(checkpointDir.resolve("config.json").toFile());
    this.vision = config.get("vision_config");
  }

  /** pixels [C][S][S] -> image features [T][text_hidden]. */
  double[][] features(float[][][] pixels) throws IOException {
    int d = vision.get("hidden_size").asInt();
    int p = vision.get("patch_size").asInt();
    int side = vision.get("image_size").asInt() / p;
    int channels = pixels.length;
    double eps = vision.get("layer_norm_eps").asDouble();

    // SiglipVisionEmbeddings: Conv2d(kernel=stride=patch, padding="valid"), flatten(2).transpose(1, 2), + position_embedding.
    float[] conv = w("vision_tower.vision_model.embeddings.patch_embedding.weight");
    float[] convBias = w("vision_tower.vision_model.embeddings.patch_embedding.bias");
    float[] positions = w("vision_tower.vision_model.embeddings.position_embedding.weight");
    double[][] x = new double[side * side][d];
    for (int py = 0; py < side; py++) {
      for (int px = 0; px < side; px++) {
        int t = py * side + px;
        for (int o = 0; o < d; o++) {
          double sum = convBias[o];
          for (int c = 0; c < channels; c++) {
            for (int ky = 0; ky < p; ky++) {
              for (int kx = 0; kx < p; kx++) {
                sum += conv[((o * channels + c) * p + ky) * p + kx] * pixels[c][py * p + ky][px * p + kx];
              }
            }
          }
          x[t][o] = sum + positions[t * d + o];
        }
      }
    }

    // SiglipEncoder with output_hidden_states: hidden_states[0] = embeddings, [i] = output of layer i.
    List<double[][]> hiddenStates = new ArrayList<>();
    hiddenStates.add(x);
    int layers = vision.get("num_hidden_layers").asInt();
    for (int layer = 0; layer < layers; layer++) {
      x = encoderLayer(x, "vision_tower.vision_model.encoder.layers." + layer + ".", eps);
      hiddenStates.add(x);
    }
    int featureLayer = config.get("vision_feature_layer").asInt();
    double[][] selected = hiddenStates.get(featureLayer < 0 ? hiddenStates.size() + featureLayer : featureLayer);

    // vision_feature_select_strategy "full": every row. Projector: linear_1, GELU (erf), linear_2.
    double[][] h = linear(selected, "multi_modal_projector.linear_1");
    for (double[] row : h) {
      for (int i = 0; i < row.length; i++) {
        row[i] = 0.5 * row[i] * (1 + Erf.erf(row[i] / Math.sqrt(2)));
      }
    }
    return linear(h, "multi_modal_projector.linear_2");
  }

  private double[][] encoderLayer(double[][] x, String prefix, double eps) throws IOException {
    int d = vision.get("hidden_size").asInt();
    int heads = vision.get("num_attention_heads").asInt();
    int headDim = d / heads;
    int tokens = x.length;

    double[][] normed = layerNorm(x, prefix + "layer_norm1", eps);
    double[][] q = linear(normed, prefix + "self_attn.q_proj");
    double[][] k = linear(normed, prefix + "self_attn.k_proj");
    double[][] v = linear(normed, prefix + "self_attn.v_proj");
    double scale = Math.pow(headDim, -0.5);
    double[][] context = new double[tokens][d];
    double[] scores = new double[tokens];
    for (int head = 0; head < heads; head++) {
      int off = head * headDim;
      for (int i = 0; i < tokens; i++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < tokens; j++) {
          double dot = 0;
          for (int e = 0; e < headDim; e++) {
            dot += q[i][off + e] * k[j][off + e];
          }
          scores[j] = dot * scale;
          max = Math.max(max, scores[j]);
        }
        double total = 0;
        for (int j = 0; j < tokens; j++) {
          scores[j] = Math.exp(scores[j] - max);
          total += scores[j];
        }
        for (int j = 0; j < tokens; j++) {
          double weight = scores[j] / total;
          for (int e = 0; e < headDim; e++) {
            context[i][off + e] += weight * v[j][off + e];
          }
        }
      }
    }
    double[][] attention = linear(context, prefix + "self_attn.out_proj");
    double[][] residual = add(x, attention);

    double[][] hidden = linear(layerNorm(residual, prefix + "layer_norm2", eps), prefix + "mlp.fc1");
    for (double[] row : hidden) {
      for (int i = 0; i < row.length; i++) {
        double u = row[i];
        // gelu_pytorch_tanh
        row[i] = 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u * u * u)));
      }
    }
    return add(residual, linear(hidden, prefix + "mlp.fc2"));
  }

  private double[][] layerNorm(double[][] x, String prefix, double eps) throws IOException {
    float[] gamma = w(prefix + ".weight");
    float[] beta = w(prefix + ".bias");
    double[][] out = new double[x.length][];
    for (int t = 0; t < x.length; t++) {
      double mean = 0;
      for (double value : x[t]) {
        mean += value;
      }
      mean /= x[t].length;
      double variance = 0;
      for (double value : x[t]) {
        variance += (value - mean) * (value - mean);
      }
      variance /= x[t].length;
      out[t] = new double[x[t].length];
      for (int i = 0; i < x[t].length; i++) {
        out[t][i] = (x[t][i] - mean) / Math.sqrt(variance + eps) * gamma[i] + beta[i];
      }
    }
    return out;
  }

  /** torch.nn.Linear: y = x W^T + b with W stored [out, in]. */
  private double[][] linear(double[][] x, String prefix) throws IOException {
    float[] weight = w(prefix + ".weight");
    float[] bias = w(prefix + ".bias");
    int out = bias.length;
    int in = weight.length / out;
    double[][] y = new double[x.length][out];
    for (int t = 0; t < x.length; t++) {
      for (int o = 0; o < out; o++) {
        double sum = bias[o];
        for (int i = 0; i < in; i++) {
          sum += weight[o * in + i] * x[t][i];
        }
        y[t][o] = sum;
      }
    }
    return y;
  }

  private static double[][] add(double[][] a, double[][] b) {
    double[][] sum = new double[a.length][];
    for (int t = 0; t < a.length; t++) {
      sum[t] = new double[a[t].length];
      for (int i = 0; i < a[t].length; i++) {
        sum[t][i] = a[t][i] + b[t][i];
      }
    }
    return sum;
  }

  private float[] w(String name) throws IOException {
    return weights.floats(name);
  }
}
