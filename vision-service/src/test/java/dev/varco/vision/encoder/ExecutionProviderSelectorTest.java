package dev.varco.vision.encoder;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.Test;

/** Provider selection on this (CPU) build: the only build the tests run on. */
class ExecutionProviderSelectorTest {
  @Test
  void cpuIsTakenAsConfigured() {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      assertEquals(ExecutionProvider.CPU, ExecutionProviderSelector.apply(ExecutionProvider.CPU, options).provider());
    }
  }

  @Test
  void autoFallsBackToTheCpuAndSaysWhy() {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      ExecutionProviderSelector.Selection selection = ExecutionProviderSelector.apply(ExecutionProvider.AUTO, options);
      assertEquals(ExecutionProvider.CPU, selection.provider());
      assertTrue(selection.reason().contains("no CUDA execution provider"), selection.reason());
    }
    assertDoesNotThrow(() -> ExecutionProviderSelector.requireAvailable(ExecutionProvider.AUTO));
  }

  @Test
  void cudaOnTheCpuBuildIsAClearError() {
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      ExecutionProviderUnavailableException error = assertThrows(ExecutionProviderUnavailableException.class,
          () -> ExecutionProviderSelector.apply(ExecutionProvider.CUDA, options));
      assertTrue(error.getMessage().startsWith("varco.vision.execution-provider=cuda, but this build's ONNX Runtime"
          + " has no CUDA execution provider"), error.getMessage());
      assertTrue(error.getMessage().contains("-Pgpu"), error.getMessage());
    }
    assertThrows(ExecutionProviderUnavailableException.class,
        () -> ExecutionProviderSelector.requireAvailable(ExecutionProvider.CUDA));
  }
}
