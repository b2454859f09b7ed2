package dev.varco.llm.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.varco.llm.engine.GenerationEngine;
import java.time.Duration;

/** Waits (bounded) until the engine has loaded the tiny model, and fails with the load error if not. */
final class ModelReady {
  private static final Duration LIMIT = Duration.ofMinutes(2);

  private ModelReady() {}

  static void await(GenerationEngine engine) throws InterruptedException {
    long deadline = System.nanoTime() + LIMIT.toNanos();
    while (engine.state() == GenerationEngine.State.LOADING && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(GenerationEngine.State.READY, engine.state(), "model load: " + engine.loadFailure());
  }

  /** Waits (at most {@code limit}) until the engine has recovered from a fault, failing with the fault if not. */
  static void awaitRecovered(GenerationEngine engine, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (engine.state() != GenerationEngine.State.READY && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertEquals(GenerationEngine.State.READY, engine.state(), "recovered: " + engine.fault());
  }
}
