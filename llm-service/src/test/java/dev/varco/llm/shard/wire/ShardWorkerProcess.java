package dev.varco.llm.shard.wire;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real worker rank in its own JVM ({@link ShardWorkerMain} on this test's classpath, one kernel
 * thread, a free loopback port); its output goes to {@code target/shard-logs/}. Stopped by
 * {@link #close()}. It may run in another network namespace ({@code ip netns exec NAME} as the
 * launcher, a host address there).
 */
public final class ShardWorkerProcess implements AutoCloseable {
  private static final Pattern READY = Pattern.compile("shard worker ready on port (\\d+)");

  private final Process process;
  private final String host;
  private final int port;
  private final Path log;

  private ShardWorkerProcess(Process process, String host, int port, Path log) {
    this.process = process;
    this.host = host;
    this.port = port;
    this.log = log;
  }

  public static ShardWorkerProcess start(String name, Path modelDir, int shards, int rank)
      throws IOException, InterruptedException {
    return start(name, modelDir, shards, rank, 0);
  }

  /** On {@code port} (0: a free one). */
  public static ShardWorkerProcess start(String name, Path modelDir, int shards, int rank, int port)
      throws IOException, InterruptedException {
    return start(name, modelDir, shards, rank, port, "127.0.0.1", List.of());
  }

  /**
   * Listening on {@code host:port} (0: a free one), the JVM started through {@code launcher}
   * (e.g. {@code ip netns exec NAME}, which execs it: the process is the JVM itself).
   */
  public static ShardWorkerProcess start(String name, Path modelDir, int shards, int rank, int port, String host,
      List<String> launcher) throws IOException, InterruptedException {
    Path logs = Path.of("target", "shard-logs").toAbsolutePath();
    Files.createDirectories(logs);
    Path log = logs.resolve(name + "-rank" + rank + "-" + System.nanoTime() + ".log");
    List<String> command = command(Map.of(
        "varco.llm.threads", "1",
        "varco.model.dir", modelDir.toAbsolutePath().toString(),
        "varco.llm.shards", Integer.toString(shards),
        "varco.llm.shard.rank", Integer.toString(rank),
        "varco.llm.shard.host", host,
        "varco.llm.shard.port", Integer.toString(port)));
    List<String> launched = new ArrayList<>(launcher);
    launched.addAll(command);
    Process process = new ProcessBuilder(launched).redirectErrorStream(true).start();
    CompletableFuture<Integer> ready = new CompletableFuture<>();
    Thread pump = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
           PrintWriter out = new PrintWriter(Files.newBufferedWriter(log), true)) {
        for (String line; (line = in.readLine()) != null; ) {
          out.println(line);
          Matcher m = READY.matcher(line);
          if (m.find()) {
            ready.complete(Integer.parseInt(m.group(1)));
          }
        }
      } catch (IOException e) {
        ready.completeExceptionally(e);
      }
      ready.completeExceptionally(new IllegalStateException("the worker exited before it was ready"));
    }, "shard-log-" + name);
    pump.setDaemon(true);
    pump.start();
    try {
      return new ShardWorkerProcess(process, host, ready.get(120, TimeUnit.SECONDS), log);
    } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
      process.destroyForcibly().waitFor();
      throw new IllegalStateException("shard worker " + name + " did not start: " + e.getMessage() + "\n" + tail(log), e);
    }
  }

  /** The java command line of a worker with these system properties. */
  private static List<String> command(Map<String, String> properties) {
    List<String> command = new ArrayList<>(List.of(
        ProcessHandle.current().info().command().orElse("java"),
        "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow", "-Xmx512m", "-XX:MaxDirectMemorySize=512m",
        "-Djava.io.tmpdir=" + Path.of("target").toAbsolutePath()));
    properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), ShardWorkerMain.class.getName()));
    return command;
  }

  /** How a worker that was expected to stop on its own ended. */
  record Exit(int status, String output) {}

  /** Runs a worker with exactly these system properties until it exits (at most a minute). */
  static Exit runToExit(Map<String, String> properties) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command(properties)).redirectErrorStream(true).start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(unreadable: " + e.getMessage() + ")";
      }
    });
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new IllegalStateException("the worker did not exit within a minute");
    }
    return new Exit(process.exitValue(), output.join());
  }

  public int port() {
    return port;
  }

  /** The address a coordinator reaches this worker at. */
  public String address() {
    return host + ":" + port;
  }

  ShardPeer peer() {
    return new ShardPeer(1, host, port);
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL: the process ends without a word to its peers. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGSTOP / SIGCONT: the process stalls with its sockets open. */
  void signal(String signal) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start().waitFor();
  }

  String logTail() {
    return tail(log);
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      try {
        signal("CONT");
      } catch (IOException ignored) {
        // gone already
      }
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
