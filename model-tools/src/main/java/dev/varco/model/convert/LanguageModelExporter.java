package dev.varco.model.convert;

import dev.varco.model.checkpoint.LlavaOnevisionTensors;
import dev.varco.model.checkpoint.Qwen2TextConfig;
import dev.varco.model.safetensors.SafetensorsFile;
import dev.varco.model.safetensors.SafetensorsWriter;
import dev.varco.model.safetensors.TensorData;
import dev.varco.model.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes the Qwen2 decoder as a plain Hugging Face Qwen2 checkpoint ({@code model.*},
 * {@code lm_head.weight}), keeping each tensor's dtype and bytes unchanged.
 */
final class LanguageModelExporter {
  /** Copy large tensors in slices of this many bytes, so no single mapping approaches 2 GiB. */
  private static final int COPY_SLICE_BYTES = 256 * 1024 * 1024;

  private final Qwen2TextConfig text;
  private final LlavaOnevisionTensors tensors;

  LanguageModelExporter(Qwen2TextConfig text, LlavaOnevisionTensors tensors) {
    this.text = text;
    this.tensors = tensors;
  }

  /** Source tensor -> Qwen2 name, with the shape config.json implies. */
  record Mapping(RequiredTensor source, String target) {}

  List<Mapping> mappings() {
    long h = text.hiddenSize();
    long kv = (long) text.numKeyValueHeads() * text.headDim();
    long inner = text.intermediateSize();
    long vocab = text.vocabSize();
    List<Mapping> mappings = new ArrayList<>();
    mappings.add(decoder("embed_tokens.weight", vocab, h));
    for (int layer = 0; layer < text.numHiddenLayers(); layer++) {
      String p = "layers." + layer + ".";
      mappings.add(decoder(p + "input_layernorm.weight", h));
      mappings.add(decoder(p + "self_attn.q_proj.weight", h, h));
      mappings.add(decoder(p + "self_attn.q_proj.bias", h));
      mappings.add(decoder(p + "self_attn.k_proj.weight", kv, h));
      mappings.add(decoder(p + "self_attn.k_proj.bias", kv));
      mappings.add(decoder(p + "self_attn.v_proj.weight", kv, h));
      mappings.add(decoder(p + "self_attn.v_proj.bias", kv));
      mappings.add(decoder(p + "self_attn.o_proj.weight", h, h));
      mappings.add(decoder(p + "post_attention_layernorm.weight", h));
      mappings.add(decoder(p + "mlp.gate_proj.weight", inner, h));
      mappings.add(decoder(p + "mlp.up_proj.weight", inner, h));
      mappings.add(decoder(p + "mlp.down_proj.weight", h, inner));
    }
    mappings.add(decoder("norm.weight", h));
    // A tied checkpoint may omit lm_head: the output projection is then the embedding matrix.
    boolean tiedWithoutHead = text.tieWordEmbeddings() && !tensors.weights().contains(tensors.lmHead());
    String head = tiedWithoutHead ? tensors.decoder("embed_tokens.weight") : tensors.lmHead();
    mappings.add(new Mapping(new RequiredTensor(head, vocab, h), "lm_head.weight"));
    return mappings;
  }

  private Mapping decoder(String suffix, long... shape) {
    return new Mapping(new RequiredTensor(tensors.decoder(suffix), shape), "model." + suffix);
  }

  /** Storage dtype of the decoder (that of its embedding matrix), as a torch name. */
  String dtype() {
    return tensors.weights().info(tensors.decoder("embed_tokens.weight")).dtype().torchName();
  }

  void export(Path safetensorsFile, ProgressTracker progress) throws IOException {
    SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
    for (Mapping mapping : mappings()) {
      String source = mapping.source().name();
      TensorInfo info = tensors.require(source, mapping.source().shape());
      SafetensorsFile file = tensors.weights().file(source);
      writer.add(mapping.target(), info.dtype(), info.shape(), out -> {
        copy(file, info, out);
        progress.step("language model", mapping.target());
      });
    }
    writer.write(safetensorsFile);
  }

  private static void copy(SafetensorsFile file, TensorInfo info, java.nio.channels.WritableByteChannel out)
      throws IOException {
    for (long offset = 0; offset < info.byteLength(); offset += COPY_SLICE_BYTES) {
      int length = (int) Math.min(COPY_SLICE_BYTES, info.byteLength() - offset);
      ByteBuffer slice = file.bytes(info.name(), offset, length);
      TensorData.of(slice).writeTo(out);
    }
  }

}
