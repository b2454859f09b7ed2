package dev.varco.model.convert;

import dev.varco.model.checkpoint.LlavaOnevisionTensors;
import dev.varco.model.checkpoint.Qwen2TextConfig;
import dev.varco.model.checkpoint.UnsupportedCheckpointException;
import dev.varco.model.manifest.DecoderWeightType;
import dev.varco.model.safetensors.HalfFloats;
import dev.varco.model.safetensors.SafetensorsDType;
import dev.varco.model.safetensors.SafetensorsFile;
import dev.varco.model.safetensors.SafetensorsWriter;
import dev.varco.model.safetensors.TensorData;
import dev.varco.model.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes the Qwen2 decoder as a plain Hugging Face Qwen2 checkpoint ({@code model.*},
 * {@code lm_head.weight}) in the requested {@link DecoderWeightType}: F32/BF16 convert every tensor
 * (a tensor already in that dtype is copied byte for byte); Q8/Q4 quantize the seven projection
 * matrices of each layer into Jlama's block format and keep the rest in float
 * ({@link DecoderWeightType#floatTypeFor}). Tensors are streamed in slices; none is loaded whole.
 */
final class LanguageModelExporter {
  /** Copy large tensors in slices of this many bytes, so no single mapping approaches 2 GiB. */
  private static final int COPY_SLICE_BYTES = 256 * 1024 * 1024;
  /** Converted or quantized tensors are read in slices of about this many source bytes (whole rows). */
  private static final int CONVERT_SLICE_BYTES = 16 * 1024 * 1024;
  /** The layer matrices Q8/Q4 quantize; embeddings, lm_head, norms and biases stay float. */
  private static final Pattern QUANTIZED = Pattern.compile(
      "model\\.layers\\.\\d+\\.(self_attn\\.[qkvo]_proj|mlp\\.(gate|up|down)_proj)\\.weight");
  /** Suffix of the float32 block-scale tensor Jlama reads next to a quantized one. */
  static final String SCALES_SUFFIX = ".qb";

  private final Qwen2TextConfig text;
  private final LlavaOnevisionTensors tensors;
  private final DecoderWeightType weightType;

  LanguageModelExporter(Qwen2TextConfig text, LlavaOnevisionTensors tensors, DecoderWeightType weightType) {
    this.text = text;
    this.tensors = tensors;
    this.weightType = weightType;
  }

  /** Source tensor -> Qwen2 name, with the shape config.json implies. */
  record Mapping(RequiredTensor source, String target) {}

  /** The decoder's tensors by Qwen2 name, in file order, with their shapes. */
  static Map<String, long[]> targetShapes(Qwen2TextConfig text) {
    long h = text.hiddenSize();
    long kv = (long) text.numKeyValueHeads() * text.headDim();
    long inner = text.intermediateSize();
    long vocab = text.vocabSize();
    Map<String, long[]> shapes = new LinkedHashMap<>();
    shapes.put("model.embed_tokens.weight", new long[] {vocab, h});
    for (int layer = 0; layer < text.numHiddenLayers(); layer++) {
      String p = "model.layers." + layer + ".";
      shapes.put(p + "input_layernorm.weight", new long[] {h});
      shapes.put(p + "self_attn.q_proj.weight", new long[] {h, h});
      shapes.put(p + "self_attn.q_proj.bias", new long[] {h});
      shapes.put(p + "self_attn.k_proj.weight", new long[] {kv, h});
      shapes.put(p + "self_attn.k_proj.bias", new long[] {kv});
      shapes.put(p + "self_attn.v_proj.weight", new long[] {kv, h});
      shapes.put(p + "self_attn.v_proj.bias", new long[] {kv});
      shapes.put(p + "self_attn.o_proj.weight", new long[] {h, h});
      shapes.put(p + "post_attention_layernorm.weight", new long[] {h});
      shapes.put(p + "mlp.gate_proj.weight", new long[] {inner, h});
      shapes.put(p + "mlp.up_proj.weight", new long[] {inner, h});
      shapes.put(p + "mlp.down_proj.weight", new long[] {h, inner});
    }
    shapes.put("model.norm.weight", new long[] {h});
    shapes.put("lm_head.weight", new long[] {vocab, h});
    return shapes;
  }

  List<Mapping> mappings() {
    // A tied checkpoint may omit lm_head: the output projection is then the embedding matrix.
    boolean tiedWithoutHead = text.tieWordEmbeddings() && !tensors.weights().contains(tensors.lmHead());
    String head = tiedWithoutHead ? tensors.decoder("embed_tokens.weight") : tensors.lmHead();
    List<Mapping> mappings = new ArrayList<>();
    targetShapes(text).forEach((target, shape) -> {
      String source = target.equals("lm_head.weight") ? head : tensors.decoder(target.substring("model.".length()));
      mappings.add(new Mapping(new RequiredTensor(source, shape), target));
    });
    return mappings;
  }

  static boolean quantizes(DecoderWeightType type, String target) {
    return type.quantized() && QUANTIZED.matcher(target).matches();
  }

  /** Refuses, before anything is written, a decoder whose quantized rows are not whole blocks. */
  static void checkQuantizable(Qwen2TextConfig text, DecoderWeightType type) {
    if (!type.quantized()) {
      return;
    }
    for (var entry : targetShapes(text).entrySet()) {
      long[] shape = entry.getValue();
      if (quantizes(type, entry.getKey()) && shape[shape.length - 1] % JlamaBlockQuantization.BLOCK != 0) {
        throw new UnsupportedCheckpointException("cannot write " + entry.getKey() + " as " + type.key()
            + ": its rows of " + shape[shape.length - 1] + " values are not a multiple of Jlama's block of "
            + JlamaBlockQuantization.BLOCK);
      }
    }
  }

  /** Float dtype of the tensors not quantized (all of them for F32/BF16). */
  static SafetensorsDType floatDtype(DecoderWeightType type, SafetensorsDType source) {
    return SafetensorsDType.fromTorchName(type.floatTypeFor(source.torchName()));
  }

  /** Storage dtype of the decoder's float tensors, as a torch name (manifest {@code llm.dtype}). */
  String dtype() {
    SafetensorsDType source = tensors.weights().info(tensors.decoder("embed_tokens.weight")).dtype();
    return floatDtype(weightType, source).torchName();
  }

  /**
   * The writer for a decoder of this geometry, with every tensor (and {@code .qb} scale tensor)
   * as the export writes it but with no data: {@link SafetensorsWriter#fileBytes()} is then the
   * exact size of {@code llm/model.safetensors}. Used for the memory table of the README.
   */
  static SafetensorsWriter plan(Qwen2TextConfig text, SafetensorsDType source, DecoderWeightType type) {
    SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
    targetShapes(text).forEach((target, shape) -> addTargets(writer, target, shape, source, type, out -> { }, out -> { }));
    return writer;
  }

  void export(Path safetensorsFile, ProgressTracker progress) throws IOException {
    SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
    for (Mapping mapping : mappings()) {
      String source = mapping.source().name();
      TensorInfo info = tensors.require(source, mapping.source().shape());
      SafetensorsFile file = tensors.weights().file(source);
      float[][] scales = new float[1][];
      TensorData data = out -> {
        write(file, info, mapping.target(), out, scales);
        progress.step("language model", mapping.target());
      };
      addTargets(writer, mapping.target(), info.shape(), info.dtype(), weightType, data,
          out -> TensorData.ofFloats(scales[0], SafetensorsDType.F32).writeTo(out));
    }
    writer.write(safetensorsFile);
  }

  private static void addTargets(SafetensorsWriter writer, String target, long[] shape, SafetensorsDType source,
      DecoderWeightType type, TensorData data, TensorData scaleData) {
    if (quantizes(type, target)) {
      long[] scaleShape = {shape[0], shape[1] / JlamaBlockQuantization.BLOCK};
      writer.add(target, type == DecoderWeightType.Q8 ? SafetensorsDType.I8 : SafetensorsDType.Q4, shape, data);
      writer.add(target + SCALES_SUFFIX, SafetensorsDType.F32, scaleShape, scaleData);
    } else {
      writer.add(target, floatDtype(type, source), shape, data);
    }
  }

  /** Writes one tensor in its target form; a quantized one leaves its block scales in {@code scales[0]}. */
  private void write(SafetensorsFile file, TensorInfo info, String target, WritableByteChannel out, float[][] scales)
      throws IOException {
    SafetensorsDType floatType = floatDtype(weightType, info.dtype());
    if (!quantizes(weightType, target) && floatType == info.dtype()) {
      copy(file, info, out);
      return;
    }
    long rowValues = info.shape()[info.shape().length - 1];
    long rows = info.elementCount() / rowValues;
    int sourceBytes = info.dtype().bytes();
    int rowsPerSlice = (int) Math.max(1, CONVERT_SLICE_BYTES / (rowValues * sourceBytes));
    boolean quantize = quantizes(weightType, target);
    if (quantize) {
      scales[0] = new float[(int) (info.elementCount() / JlamaBlockQuantization.BLOCK)];
    }
    for (long row = 0; row < rows; row += rowsPerSlice) {
      int sliceRows = (int) Math.min(rowsPerSlice, rows - row);
      int count = (int) (sliceRows * rowValues);
      ByteBuffer slice = file.bytes(info.name(), row * rowValues * sourceBytes, count * sourceBytes)
          .order(ByteOrder.LITTLE_ENDIAN);
      float[] values = decode(slice, info.dtype(), count);
      ByteBuffer encoded;
      if (quantize) {
        int blockOffset = (int) (row * rowValues / JlamaBlockQuantization.BLOCK);
        if (weightType == DecoderWeightType.Q8) {
          encoded = ByteBuffer.allocate(count);
          JlamaBlockQuantization.q8(values, 0, count, encoded, scales[0], blockOffset);
        } else {
          encoded = ByteBuffer.allocate(count / 2);
          JlamaBlockQuantization.q4(values, 0, count, encoded, scales[0], blockOffset);
        }
      } else {
        encoded = encode(values, floatType);
      }
      encoded.flip();
      while (encoded.hasRemaining()) {
        out.write(encoded);
      }
    }
  }

  private static float[] decode(ByteBuffer bytes, SafetensorsDType dtype, int count) {
    float[] values = new float[count];
    switch (dtype) {
      case F32 -> bytes.asFloatBuffer().get(values);
      case BF16 -> {
        for (int i = 0; i < count; i++) {
          values[i] = HalfFloats.bf16ToFloat(bytes.getShort(i * 2));
        }
      }
      case F16 -> {
        for (int i = 0; i < count; i++) {
          values[i] = HalfFloats.f16ToFloat(bytes.getShort(i * 2));
        }
      }
      default -> throw new IllegalArgumentException("not a float dtype: " + dtype);
    }
    return values;
  }

  /** F32 exactly; BF16 rounded to nearest even ({@link HalfFloats#floatToBf16}). */
  private static ByteBuffer encode(float[] values, SafetensorsDType dtype) {
    ByteBuffer buffer = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
    switch (dtype) {
      case F32 -> {
        for (float value : values) {
          buffer.putFloat(value);
        }
      }
      case BF16 -> {
        for (float value : values) {
          buffer.putShort(HalfFloats.floatToBf16(value));
        }
      }
      default -> throw new IllegalArgumentException("cannot write the decoder as " + dtype);
    }
    return buffer;
  }

  private static void copy(SafetensorsFile file, TensorInfo info, WritableByteChannel out) throws IOException {
    for (long offset = 0; offset < info.byteLength(); offset += COPY_SLICE_BYTES) {
      int length = (int) Math.min(COPY_SLICE_BYTES, info.byteLength() - offset);
      ByteBuffer slice = file.bytes(info.name(), offset, length);
      TensorData.of(slice).writeTo(out);
    }
  }
}
