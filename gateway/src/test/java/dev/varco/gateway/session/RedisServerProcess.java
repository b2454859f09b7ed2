package dev.varco.gateway.session;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} for tests: on a free loopback port, its data (append-only file)
 * in a directory under {@code target/}, stopped by {@link #close()} or, should the JVM end first,
 * by a shutdown hook. Needs only the JDK: system-tests use it too, through the gateway's test jar.
 * Without a {@code redis-server} binary it fails, naming the package to install: tests of the
 * Redis store never pass by skipping.
 */
public final class RedisServerProcess implements AutoCloseable {
  /** Longest wait for a started server to answer PING. */
  private static final int START_TIMEOUT_SECONDS = 20;

  private final Path dir;
  private final int port;
  private Process process;
  private Thread hook;

  private RedisServerProcess(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Starts a server with its data in a fresh directory {@code target/redis/<name>-<n>}. */
  public static RedisServerProcess start(String name) {
    Path dir;
    try {
      Files.createDirectories(Path.of("target", "redis"));
      dir = Files.createTempDirectory(Path.of("target", "redis"), name + "-").toAbsolutePath();
    } catch (IOException e) {
      throw new IllegalStateException("cannot create a data directory under target/redis", e);
    }
    // A free port can be taken between finding and binding it: try a few.
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      RedisServerProcess server = new RedisServerProcess(dir, freePort());
      try {
        server.restart();
        return server;
      } catch (IllegalStateException e) {
        server.close();
        last = e;
      }
    }
    throw last;
  }

  public int port() {
    return port;
  }

  /** The connection string for {@code quarkus.redis.hosts} or a Vert.x Redis client. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  public Path dir() {
    return dir;
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** (Re)starts the server on the same port over the same data; returns once it answers PING. */
  public synchronized void restart() {
    if (isRunning()) {
      throw new IllegalStateException("redis-server on port " + port + " is already running");
    }
    String binary = binary();
    List<String> command = List.of(binary, "--port", Integer.toString(port), "--bind", "127.0.0.1",
        "--save", "", "--appendonly", "yes", "--dir", dir.toString(), "--daemonize", "no",
        "--logfile", dir.resolve("redis.log").toString());
    try {
      process = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis.out").toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + binary + ": " + e.getMessage(), e);
    }
    if (hook == null) {
      hook = new Thread(this::kill, "stop redis-server " + port);
      Runtime.getRuntime().addShutdownHook(hook);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_TIMEOUT_SECONDS);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server on port " + port + " exited with " + process.exitValue()
            + "; see " + dir.resolve("redis.log"));
      }
      if ("+PONG".equals(command("PING"))) {
        return;
      }
      sleep(50);
    }
    kill();
    throw new IllegalStateException("redis-server on port " + port + " did not answer PING within "
        + START_TIMEOUT_SECONDS + " s; see " + dir.resolve("redis.log"));
  }

  /** Stops the server cleanly ({@code SHUTDOWN}: the append-only file is flushed), else kills it. */
  public synchronized void stop() {
    if (!isRunning()) {
      return;
    }
    command("SHUTDOWN");
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        kill();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
  }

  /** Kills the server at once ({@code SIGKILL}), as a crash would. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public synchronized void close() {
    stop();
    kill();
    if (hook != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is already shutting down: the hook runs anyway
      }
      hook = null;
    }
  }

  /** Sends one inline command; the first reply line, or null when the server does not answer. */
  public String command(String inline) {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(2000);
      OutputStream out = socket.getOutputStream();
      out.write((inline + "\r\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int c = in.read(); c != -1 && c != '\n'; c = in.read()) {
        if (c != '\r') {
          line.append((char) c);
        }
      }
      return line.isEmpty() ? null : line.toString();
    } catch (IOException e) {
      return null;
    }
  }

  private static String binary() {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String entry : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(entry.isEmpty() ? "." : entry, "redis-server");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new IllegalStateException("redis-server is not on the PATH: the Redis store's tests need a real Redis;"
        + " install it (Debian/Ubuntu: apt-get install redis-server; .ci/run does)");
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free loopback port", e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for redis-server", e);
    }
  }
}
