package dev.varco.vision.encoder;

/**
 * Where ONNX Runtime runs the encoder graph ({@code varco.vision.execution-provider}). The CPU
 * provider is in every build; CUDA only in the GPU build ({@code -Pgpu}, ONNX Runtime's
 * {@code onnxruntime_gpu} package) on a machine with the CUDA 12 and cuDNN 9 libraries.
 */
public enum ExecutionProvider {
  /** CUDA when it loads, else the CPU with one log line saying why. */
  AUTO,
  CPU,
  /** CUDA or nothing: the encoder refuses to load when CUDA cannot. */
  CUDA
}
