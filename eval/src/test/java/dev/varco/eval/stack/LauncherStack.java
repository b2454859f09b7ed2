package dev.varco.eval.stack;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The three services started as a user starts them, with the repository's launcher
 * ({@code ./varco up -d}) on free loopback ports, serving the tiny model that model-tools' jar
 * prepares under {@code target/tiny-model}; {@link #close()} runs {@code ./varco down}, and a
 * shutdown hook does it if the test JVM dies first. Needs the services and model-tools packaged
 * (the reactor does it before this module; alone: {@code ./varco build}).
 */
public final class LauncherStack implements AutoCloseable {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Path STATE_DIR = Path.of("target", "varco-state").toAbsolutePath();
  private static final Path MODEL_DIR = Path.of("target", "tiny-model").toAbsolutePath();
  private static final Set<Integer> GIVEN = new HashSet<>();

  private final Map<String, String> env;
  private final int gatewayPort = freePort();
  private final Thread hook = new Thread(this::down);

  /**
   * @param config extra environment for every service, e.g. a gateway setting as its environment
   *     variable (a system property of one service's namespace would fail the others' strict
   *     config validation)
   */
  public LauncherStack(Map<String, String> config) throws IOException, InterruptedException {
    prepareTinyModel();
    Map<String, String> all = new java.util.HashMap<>(config);
    all.putAll(Map.of("JAVA_HOME", System.getProperty("java.home"), "VARCO_MODEL_DIR", MODEL_DIR.toString(),
        "VARCO_STATE_DIR", STATE_DIR.toString(),
        "VARCO_GATEWAY_PORT", Integer.toString(gatewayPort), "VARCO_GATEWAY_GRPC_PORT", Integer.toString(freePort()),
        "VARCO_LLM_PORT", Integer.toString(freePort()), "VARCO_LLM_GRPC_PORT", Integer.toString(freePort()),
        "VARCO_VISION_PORT", Integer.toString(freePort()), "VARCO_VISION_GRPC_PORT", Integer.toString(freePort())));
    env = Map.copyOf(all);
    Runtime.getRuntime().addShutdownHook(hook);
    int exit = run(List.of(REPO.resolve("varco").toString(), "up", "-d"), env, 600);
    if (exit != 0) {
      down();
      throw new IllegalStateException("./varco up -d failed (exit " + exit + "); see " + STATE_DIR.resolve("launcher.log")
          + " and " + STATE_DIR.resolve("logs"));
    }
  }

  public String gatewayUrl() {
    return "http://127.0.0.1:" + gatewayPort;
  }

  @Override
  public void close() {
    down();
    Runtime.getRuntime().removeShutdownHook(hook);
  }

  private synchronized void down() {
    try {
      run(List.of(REPO.resolve("varco").toString(), "down"), env, 120);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("./varco down failed", e);
    }
  }

  /** The tiny model as the launcher itself would prepare it: model-tools' prepare-tiny. */
  private static void prepareTinyModel() throws IOException, InterruptedException {
    if (Files.exists(MODEL_DIR.resolve("manifest.json"))) {
      return;
    }
    Path jar = REPO.resolve("model-tools/target/varco-model-tools-0.1.0-SNAPSHOT.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException(jar + " is missing: build the stack first (./varco build)");
    }
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    command.addAll(List.of("--add-modules", "jdk.incubator.vector", "-Xmx1g", "-jar", jar.toString(), "prepare-tiny", "--out",
        MODEL_DIR.toString()));
    int exit = run(command, Map.of(), 600);
    if (exit != 0) {
      throw new IllegalStateException("prepare-tiny failed (exit " + exit + "); see " + STATE_DIR.resolve("launcher.log"));
    }
  }

  private static int run(List<String> command, Map<String, String> env, long timeoutSeconds) throws IOException, InterruptedException {
    Files.createDirectories(STATE_DIR);
    ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(STATE_DIR.resolve("launcher.log").toFile()));
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }

  /** A free loopback port, never the same twice in this JVM (the kernel may hand one out again). */
  public static synchronized int freePort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (GIVEN.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new IllegalStateException("no free loopback port", e);
      }
    }
    throw new IllegalStateException("no loopback port that was not given out already");
  }
}
