package dev.varco.k8s;

import dev.varco.llm.engine.DirectMemoryLimit;

/**
 * Prints the direct-memory limit llm-service would read in this JVM, in bytes: started by
 * {@link LlmKvBudgetTest} with the image's JVM flags and a pod's memory limit.
 */
public final class DirectMemoryProbe {
  private DirectMemoryProbe() {}

  public static void main(String[] args) {
    System.out.println(DirectMemoryLimit.ofThisJvm().bytes());
  }
}
