package dev.varco.vision.encoder;

/** Where ONNX Runtime runs the encoder graph. Only the CPU provider ships in this build. */
public enum ExecutionProvider {
  /** The best provider available; today always the CPU. */
  AUTO,
  CPU
}
