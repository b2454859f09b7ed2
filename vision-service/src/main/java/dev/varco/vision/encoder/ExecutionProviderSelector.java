package dev.varco.vision.encoder;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;

/**
 * Turns the configured {@link ExecutionProvider} into the provider the session really uses, and
 * appends CUDA to the session options when that is the choice. CUDA can be missing twice over:
 * the CPU build's native library has no CUDA provider at all, and the GPU build's CUDA provider
 * fails to load without the CUDA/cuDNN libraries (ONNX Runtime then says "Failed to load shared
 * library"). {@code cuda} turns either into an error; {@code auto} into the CPU.
 */
public final class ExecutionProviderSelector {
  /** The CUDA device the encoder uses; pick another GPU with CUDA_VISIBLE_DEVICES. */
  static final int CUDA_DEVICE = 0;

  private ExecutionProviderSelector() {}

  /** The decision, with the reason to log: a provider the session options now carry. */
  public record Selection(ExecutionProvider provider, String reason) {}

  /**
   * Appends the chosen provider to {@code options} (nothing to append for the CPU, ONNX Runtime's
   * fallback for every node).
   *
   * @throws ExecutionProviderUnavailableException when {@code cuda} is requested and cannot load
   */
  public static Selection apply(ExecutionProvider requested, OrtSession.SessionOptions options) {
    return choose(requested, () -> appendCuda(options));
  }

  /**
   * The decision alone: {@code appendCuda} appends CUDA and answers null, or answers why it cannot
   * (so it is tested for both builds whichever jar the tests run on).
   */
  static Selection choose(ExecutionProvider requested, java.util.function.Supplier<String> appendCuda) {
    if (requested == ExecutionProvider.CPU) {
      return new Selection(ExecutionProvider.CPU, "configured");
    }
    String cudaMissing = appendCuda.get();
    if (cudaMissing == null) {
      return new Selection(ExecutionProvider.CUDA, "CUDA device " + CUDA_DEVICE);
    }
    if (requested == ExecutionProvider.CUDA) {
      throw new ExecutionProviderUnavailableException(
          "varco.vision.execution-provider=cuda, but " + cudaMissing
              + "; use a GPU build (mvn -Pgpu) with the CUDA 12 and cuDNN 9 libraries on the library path,"
              + " or set varco.vision.execution-provider=auto or cpu");
    }
    return new Selection(ExecutionProvider.CPU, "CUDA unavailable (" + cudaMissing + ")");
  }

  /**
   * Fails fast for {@code cuda} (at service start, before any model is read); a no-op for the
   * other settings.
   */
  public static void requireAvailable(ExecutionProvider requested) {
    if (requested == ExecutionProvider.CUDA) {
      try (OrtSession.SessionOptions probe = new OrtSession.SessionOptions()) {
        apply(requested, probe);
      }
    }
  }

  /** Null when CUDA was appended, else why not. */
  private static String appendCuda(OrtSession.SessionOptions options) {
    OrtEnvironment.getEnvironment(); // loads the native library, which knows its compiled-in providers
    if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
      return "this build's ONNX Runtime has no CUDA execution provider (it is the CPU package, onnxruntime)";
    }
    try {
      options.addCUDA(CUDA_DEVICE);
      return null;
    } catch (OrtException | RuntimeException | UnsatisfiedLinkError e) {
      return "the CUDA execution provider failed to load: " + e.getMessage();
    }
  }
}
