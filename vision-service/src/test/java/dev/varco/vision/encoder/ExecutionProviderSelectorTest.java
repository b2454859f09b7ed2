package dev.varco.vision.encoder;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

/**
 * Provider selection. The decision is tested for both builds with a stand-in for appending CUDA;
 * then against the ONNX Runtime jar the tests run on: the CPU package (the default build) or the
 * GPU package ({@code -Pgpu}), on a machine with or without working CUDA libraries.
 */
class ExecutionProviderSelectorTest {
  private static final String NOT_COMPILED_IN =
      "this build's ONNX Runtime has no CUDA execution provider (it is the CPU package, onnxruntime)";
  private static final String LOAD_FAILED = "the CUDA execution provider failed to load: libcublasLt.so.12: not found";

  private static boolean gpuBuild() {
    OrtEnvironment.getEnvironment();
    return OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA);
  }

  @Test
  void cpuIsTakenAsConfigured() {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      assertEquals(ExecutionProvider.CPU, ExecutionProviderSelector.apply(ExecutionProvider.CPU, options).provider());
    }
    assertEquals(ExecutionProvider.CPU, ExecutionProviderSelector.choose(ExecutionProvider.CPU, () -> {
      throw new AssertionError("cpu never tries CUDA");
    }).provider());
  }

  @Test
  void autoTakesCudaWhenItLoadsAndTheCpuOtherwiseSayingWhy() {
    assertEquals(ExecutionProvider.CUDA, ExecutionProviderSelector.choose(ExecutionProvider.AUTO, () -> null).provider());
    for (String missing : new String[] {NOT_COMPILED_IN, LOAD_FAILED}) {
      ExecutionProviderSelector.Selection selection = ExecutionProviderSelector.choose(ExecutionProvider.AUTO, () -> missing);
      assertEquals(ExecutionProvider.CPU, selection.provider());
      assertEquals("CUDA unavailable (" + missing + ")", selection.reason());
    }
  }

  @Test
  void cudaThatCannotLoadIsAClearErrorOnEitherBuild() {
    assertEquals(ExecutionProvider.CUDA, ExecutionProviderSelector.choose(ExecutionProvider.CUDA, () -> null).provider());
    for (String missing : new String[] {NOT_COMPILED_IN, LOAD_FAILED}) {
      ExecutionProviderUnavailableException error = assertThrows(ExecutionProviderUnavailableException.class,
          () -> ExecutionProviderSelector.choose(ExecutionProvider.CUDA, () -> missing));
      assertTrue(error.getMessage().startsWith("varco.vision.execution-provider=cuda, but " + missing), error.getMessage());
      assertTrue(error.getMessage().contains("-Pgpu"), error.getMessage());
      assertTrue(error.getMessage().contains("CUDA 12 and cuDNN 9"), error.getMessage());
    }
  }

  @Test
  void onTheCpuBuildAutoFallsBackAndCudaIsRefused() {
    assumeFalse(gpuBuild(), "the GPU build (-Pgpu) is checked by the next test");
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      ExecutionProviderSelector.Selection selection = ExecutionProviderSelector.apply(ExecutionProvider.AUTO, options);
      assertEquals(ExecutionProvider.CPU, selection.provider());
      assertTrue(selection.reason().contains("no CUDA execution provider"), selection.reason());
    }
    assertDoesNotThrow(() -> ExecutionProviderSelector.requireAvailable(ExecutionProvider.AUTO));
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      ExecutionProviderUnavailableException error = assertThrows(ExecutionProviderUnavailableException.class,
          () -> ExecutionProviderSelector.apply(ExecutionProvider.CUDA, options));
      assertTrue(error.getMessage().startsWith("varco.vision.execution-provider=cuda, but " + NOT_COMPILED_IN),
          error.getMessage());
    }
    assertThrows(ExecutionProviderUnavailableException.class,
        () -> ExecutionProviderSelector.requireAvailable(ExecutionProvider.CUDA));
  }

  /** -Pgpu: CUDA is used where its libraries load; where they do not, auto says so and cuda is refused. */
  @Test
  void onTheGpuBuildAutoAndCudaAgreeWithWhetherCudaLoads() {
    assumeTrue(gpuBuild(), "the CPU build is checked by the previous test");
    ExecutionProviderSelector.Selection auto;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      auto = ExecutionProviderSelector.apply(ExecutionProvider.AUTO, options);
    }
    if (auto.provider() == ExecutionProvider.CUDA) {
      assertDoesNotThrow(() -> ExecutionProviderSelector.requireAvailable(ExecutionProvider.CUDA));
      return;
    }
    assertTrue(auto.reason().startsWith("CUDA unavailable (the CUDA execution provider failed to load"), auto.reason());
    ExecutionProviderUnavailableException error = assertThrows(ExecutionProviderUnavailableException.class,
        () -> ExecutionProviderSelector.requireAvailable(ExecutionProvider.CUDA));
    assertTrue(error.getMessage().startsWith("varco.vision.execution-provider=cuda, but the CUDA execution provider"
        + " failed to load"), error.getMessage());
  }
}
