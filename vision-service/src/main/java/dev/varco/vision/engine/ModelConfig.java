package dev.varco.vision.engine;

import io.smallrye.config.ConfigMapping;

/** {@code varco.model.*}: which model directory to serve (shared key with llm-service). */
@ConfigMapping(prefix = "varco.model")
public interface ModelConfig {
  /** The model directory (manifest.json, vision/encoder.onnx, ...), made by model-tools. */
  String dir();
}
