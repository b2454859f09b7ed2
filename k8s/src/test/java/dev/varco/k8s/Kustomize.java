package dev.varco.k8s;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Renders a kustomization with {@code kubectl kustomize}, as {@code kubectl apply -k} would. */
final class Kustomize {
  /** The module directory, k8s/ (Surefire's working directory). */
  static final Path K8S = Path.of("").toAbsolutePath();
  static final Path REPOSITORY = K8S.getParent();

  private static Boolean available;

  private Kustomize() {}

  /**
   * Skips the calling test with a message when kubectl is missing or its kustomize is too old for
   * components (kubectl 1.21+): there is nothing to render the manifests with then.
   */
  static void assumeAvailable() {
    if (available == null) {
      available = run("kubectl", "kustomize", K8S.resolve("overlays/cpu").toString()).exit == 0;
    }
    assumeTrue(available, "kubectl with kustomize (kubectl 1.21 or newer) is not installed: the k8s/ manifests are not "
        + "rendered or checked on this machine");
  }

  static String render(Path kustomization) {
    assumeAvailable();
    Result result = run("kubectl", "kustomize", kustomization.toString());
    if (result.exit != 0) {
      throw new IllegalStateException("kubectl kustomize " + kustomization + " failed: " + result.stderr);
    }
    return result.stdout;
  }

  private record Result(int exit, String stdout, String stderr) {}

  private static Result run(String... command) {
    try {
      Process process = new ProcessBuilder(command).start();
      var out = process.getInputStream().readAllBytes();
      var err = process.getErrorStream().readAllBytes();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return new Result(-1, "", "timed out");
      }
      return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, "", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "", e.toString());
    }
  }
}
