package dev.varco.load;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The three services started for real with the repository's launcher ({@code ./varco up -d}) on free
 * loopback ports, serving the tiny model, state under {@code target/varco-state}; {@link #close()}
 * (and a shutdown hook, if the test JVM dies first) runs {@code ./varco down}.
 */
final class LocalStack implements AutoCloseable {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  static final Path STATE_DIR = Path.of("target", "varco-state").toAbsolutePath();

  private final Set<Integer> taken = new HashSet<>();
  final int gatewayPort = freePort();
  final int llmPort = freePort();
  final int visionPort = freePort();
  final int gatewayGrpcPort = freePort();
  private final int llmGrpcPort = freePort();
  final int visionGrpcPort = freePort();
  private final Thread stopOnExit = new Thread(this::stop);

  static LocalStack start() throws IOException, InterruptedException {
    LocalStack stack = new LocalStack();
    Runtime.getRuntime().addShutdownHook(stack.stopOnExit);
    int exit = stack.launcher(List.of("up", "-d"), TimeUnit.MINUTES.toSeconds(10));
    if (exit != 0) {
      stack.close();
      throw new IllegalStateException("./varco up -d failed with exit code " + exit + "; see " + STATE_DIR.resolve("launcher.log"));
    }
    return stack;
  }

  String url(int port) {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void close() {
    stop();
    Runtime.getRuntime().removeShutdownHook(stopOnExit);
  }

  private synchronized void stop() {
    try {
      launcher(List.of("down"), 60);
    } catch (IOException e) {
      throw new IllegalStateException("./varco down failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private int launcher(List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
    Files.createDirectories(STATE_DIR);
    List<String> command = new java.util.ArrayList<>(List.of(REPO.resolve("varco").toString()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(STATE_DIR.resolve("launcher.log").toFile()));
    builder.environment().putAll(Map.of(
        "JAVA_HOME", System.getProperty("java.home"),
        "VARCO_STATE_DIR", STATE_DIR.toString(),
        "VARCO_GATEWAY_PORT", Integer.toString(gatewayPort),
        "VARCO_GATEWAY_GRPC_PORT", Integer.toString(gatewayGrpcPort),
        "VARCO_LLM_PORT", Integer.toString(llmPort),
        "VARCO_LLM_GRPC_PORT", Integer.toString(llmGrpcPort),
        "VARCO_VISION_PORT", Integer.toString(visionPort),
        "VARCO_VISION_GRPC_PORT", Integer.toString(visionGrpcPort)));
    Process process = builder.start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }

  /** A free loopback port not handed out before by this object (the kernel may repeat one). */
  private int freePort() {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (taken.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new IllegalStateException("no free loopback port", e);
      }
    }
    throw new IllegalStateException("no loopback port that was not given out already");
  }
}
