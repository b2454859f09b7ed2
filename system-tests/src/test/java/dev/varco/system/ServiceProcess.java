package dev.varco.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One service jar ({@code <module>/target/quarkus-app/quarkus-run.jar}) started by a test as a
 * process of its own, beside the shared {@link RunningStack}: to restart it, kill it, or run more
 * of it. It gets the JVM flags the launcher gives its services (read from {@code ./varco flags},
 * so they live in one place), free loopback ports kept across restarts, a directory
 * {@code target/processes/<name>/} for its log, temp files and (for a gateway) its store, and any
 * extra {@code -D} properties. Close it in {@code @AfterAll}; a shutdown hook kills it if the test
 * JVM ends first.
 */
final class ServiceProcess implements AutoCloseable {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final String module;
  private final Path dir;
  private final Map<String, String> properties = new LinkedHashMap<>();
  private final Thread killer = new Thread(this::kill);
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  public final int httpPort = LoopbackPorts.free();
  public final int grpcPort = LoopbackPorts.free();
  private Process process;
  private boolean launcherAddress = true;

  /**
   * A process of {@code module} ("gateway", "llm-service", ...) named {@code name}, unique among
   * test classes; its directory starts empty, so a store left by an earlier run is never read.
   */
  ServiceProcess(String module, String name) {
    this.module = module;
    this.dir = Path.of("target", "processes", name).toAbsolutePath();
    deleteRecursively(dir);
    with("quarkus.http.port", Integer.toString(httpPort));
    with("quarkus.grpc.server.port", Integer.toString(grpcPort));
    Runtime.getRuntime().addShutdownHook(killer);
  }

  /** A gateway using llm-service at {@code llmGrpcPort}, with its embedded store in its own directory. */
  static ServiceProcess gateway(String name, int llmGrpcPort) {
    ServiceProcess gateway = new ServiceProcess("gateway", name);
    return gateway.with("quarkus.grpc.clients.llm.host", "127.0.0.1")
        .with("quarkus.grpc.clients.llm.port", Integer.toString(llmGrpcPort))
        .with("varco.gateway.store.dir", gateway.dir.resolve("store").toString());
  }

  /** An llm-service serving the shared stack's model, with the shared stack's vision-service. */
  static ServiceProcess llmService(String name) {
    RunningStack stack = RunningStack.get();
    return new ServiceProcess("llm-service", name)
        .with("varco.model.dir", stack.modelDir().toString())
        .with("varco.vision.host", "127.0.0.1")
        .with("varco.vision.port", Integer.toString(stack.visionGrpcPort));
  }

  /**
   * Starts without the launcher's listening address (-Dquarkus.*.host), on the service's own
   * default, as a user who runs the jar by hand gets it.
   */
  ServiceProcess withItsOwnAddress() {
    launcherAddress = false;
    return this;
  }

  /** Sets (or replaces) a {@code -D} property for the next start. */
  ServiceProcess with(String key, String value) {
    properties.put(key, value);
    return this;
  }

  String url() {
    return "http://127.0.0.1:" + httpPort;
  }

  Path log() {
    return dir.resolve(module + ".log");
  }

  /** Starts the process and waits until {@code /q/health/ready} answers 200. */
  ServiceProcess start() throws IOException, InterruptedException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(module + " is already running");
    }
    Files.createDirectories(dir);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(launcherFlags());
    properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add("-jar");
    command.add(REPO.resolve(module).resolve("target/quarkus-app/quarkus-run.jar").toString());
    // Restarts append to the same log, each after a line saying so.
    Files.writeString(log(), "=== start " + Instant.now() + ": " + String.join(" ", command) + "\n",
        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log().toFile())).start();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (readyStatus() != 200) {
      if (!process.isAlive()) {
        throw new IllegalStateException(module + " exited with " + process.exitValue() + " during start-up:\n" + logTail());
      }
      if (System.nanoTime() > deadline) {
        kill();
        throw new IllegalStateException(module + " was not ready after " + READY_TIMEOUT + ":\n" + logTail());
      }
      Thread.sleep(200);
    }
    return this;
  }

  /** The HTTP status of {@code /q/health/ready}, or -1 when nothing answers. */
  int readyStatus() throws InterruptedException {
    try {
      HttpRequest request = HttpRequest.newBuilder(URI.create(url() + "/q/health/ready")).timeout(Duration.ofSeconds(10)).build();
      return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    }
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** SIGTERM, so Quarkus shuts down as in production; SIGKILL if it takes longer than 30 s. */
  void stop() throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      kill();
      throw new IllegalStateException(module + " did not stop within " + STOP_TIMEOUT + " of SIGTERM; killed it");
    }
  }

  /** SIGKILL ({@code destroyForcibly} on Linux): the process gets no chance to clean up. */
  void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    try {
      stop();
    } finally {
      kill();
      http.close();
      try {
        Runtime.getRuntime().removeShutdownHook(killer);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running or about to: it kills the process anyway
      }
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log(), StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log at " + log() + ")";
    }
  }

  /** {@code ./varco flags <module>}: the JVM flags the launcher starts this service with. */
  private List<String> launcherFlags() throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(REPO.resolve("varco").toString(), "flags", module).directory(REPO.toFile());
    // The launcher puts the service's temp directory under its state directory: ours.
    builder.environment().put("VARCO_STATE_DIR", dir.toString());
    // The launcher sizes a backend's heap from the model it serves.
    if (properties.containsKey("varco.model.dir")) {
      builder.environment().put("VARCO_MODEL_DIR", properties.get("varco.model.dir"));
    }
    builder.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process flags = builder.start();
    String line = new String(flags.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (!flags.waitFor(30, TimeUnit.SECONDS) || flags.exitValue() != 0 || line.isEmpty()) {
      throw new IllegalStateException("./varco flags " + module + " failed: '" + line + "'");
    }
    // One line of space-separated flags; the paths in it are under target/, without spaces.
    return Arrays.stream(line.split("\\s+"))
        .filter(flag -> launcherAddress || !(flag.startsWith("-Dquarkus.") && flag.contains(".host="))).toList();
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    } catch (IOException e) {
      throw new IllegalStateException("could not empty " + root, e);
    }
  }
}
