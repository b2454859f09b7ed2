package dev.varco.model.checkpoint;

import dev.varco.model.safetensors.SafetensorsCheckpoint;
import dev.varco.model.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The weights of a LLaVA-OneVision checkpoint, looked up by their role. Two naming layouts exist:
 * the one transformers wrote before 4.52 (and VARCO-VISION-14B-HF was published with):
 * {@code vision_tower.*}, {@code multi_modal_projector.*}, {@code image_newline},
 * {@code language_model.model.*}, {@code language_model.lm_head.weight}; and the one it writes
 * since: {@code model.vision_tower.*}, {@code model.multi_modal_projector.*},
 * {@code model.image_newline}, {@code model.language_model.*}, {@code lm_head.weight}.
 */
public final class LlavaOnevisionTensors implements AutoCloseable {
  private enum Layout {
    BEFORE_4_52("vision_tower.", "multi_modal_projector.", "image_newline",
        "language_model.model.", "language_model.lm_head.weight"),
    SINCE_4_52("model.vision_tower.", "model.multi_modal_projector.", "model.image_newline",
        "model.language_model.", "lm_head.weight");

    final String vision;
    final String projector;
    final String imageNewline;
    final String decoder;
    final String lmHead;

    Layout(String vision, String projector, String imageNewline, String decoder, String lmHead) {
      this.vision = vision;
      this.projector = projector;
      this.imageNewline = imageNewline;
      this.decoder = decoder;
      this.lmHead = lmHead;
    }
  }

  private final SafetensorsCheckpoint weights;
  private final Layout layout;

  private LlavaOnevisionTensors(SafetensorsCheckpoint weights, Layout layout) {
    this.weights = weights;
    this.layout = layout;
  }

  public static LlavaOnevisionTensors open(Path checkpointDir) throws IOException {
    SafetensorsCheckpoint weights;
    try {
      weights = SafetensorsCheckpoint.open(checkpointDir);
    } catch (NoSuchFileException e) {
      throw new UnsupportedCheckpointException(checkpointDir + ": no weights found ("
          + (e.getReason() == null ? e.getFile() : e.getFile() + ": " + e.getReason()) + ")");
    }
    for (Layout layout : Layout.values()) {
      if (weights.contains(layout.imageNewline) || weights.contains(layout.decoder + "embed_tokens.weight")) {
        return new LlavaOnevisionTensors(weights, layout);
      }
    }
    weights.close();
    throw new UnsupportedCheckpointException(checkpointDir + ": the weights use neither LLaVA-OneVision naming"
        + " layout (no tensor named image_newline, model.image_newline,"
        + " language_model.model.embed_tokens.weight or model.language_model.embed_tokens.weight)");
  }

  public SafetensorsCheckpoint weights() {
    return weights;
  }

  /** Full name of a SigLIP tensor, e.g. {@code vision_model.encoder.layers.0.mlp.fc1.weight}. */
  public String vision(String suffix) {
    return layout.vision + suffix;
  }

  public String projector(String suffix) {
    return layout.projector + suffix;
  }

  public String imageNewline() {
    return layout.imageNewline;
  }

  /** Full name of a decoder tensor given its Qwen2 name without the leading {@code model.}. */
  public String decoder(String suffix) {
    return layout.decoder + suffix;
  }

  public String lmHead() {
    return layout.lmHead;
  }

  /** The tensor's header entry, after checking it exists with exactly this shape. */
  public TensorInfo require(String name, long... shape) {
    if (!weights.contains(name)) {
      throw new UnsupportedCheckpointException("missing tensor " + name);
    }
    TensorInfo info = weights.info(name);
    if (!Arrays.equals(info.shape(), shape)) {
      throw new UnsupportedCheckpointException("tensor " + name + " has shape " + info.shapeString()
          + ", expected " + Arrays.toString(shape) + " from config.json");
    }
    if (!info.dtype().isFloatingPoint()) {
      throw new UnsupportedCheckpointException("tensor " + name + " has dtype " + info.dtype()
          + ", expected a floating-point type");
    }
    return info;
  }

  public float[] floats(String name, long... shape) throws IOException {
    require(name, shape);
    return weights.floats(name);
  }

  @Override
  public void close() throws IOException {
    weights.close();
  }
}
