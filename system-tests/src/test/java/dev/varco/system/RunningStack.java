package dev.varco.system;

import dev.varco.model.tiny.TinyModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The three services started for real, once per test JVM, with the repository's own launcher
 * ({@code ./varco up -d}) on free loopback ports and the tiny model converted by model-tools. Test
 * classes that use this extension share the stack; JUnit closes it (through {@code ./varco down})
 * after the last test, and a shutdown hook stops it if the JVM dies first.
 */
public final class RunningStack implements BeforeAllCallback, ExtensionContext.Store.CloseableResource {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Path STATE_DIR = Path.of("target", "varco-state").toAbsolutePath();
  private static final Path MODEL_DIR = Path.of("target", "tiny-model").toAbsolutePath();

  private static RunningStack started;

  public final int gatewayHttpPort = LoopbackPorts.free();
  public final int gatewayGrpcPort = LoopbackPorts.free();
  public final int llmHttpPort = LoopbackPorts.free();
  public final int llmGrpcPort = LoopbackPorts.free();
  public final int visionHttpPort = LoopbackPorts.free();
  public final int visionGrpcPort = LoopbackPorts.free();

  /** The stack of this JVM; only valid inside a test class extended with RunningStack. */
  public static RunningStack get() {
    if (started == null) {
      throw new IllegalStateException("annotate the test class with @ExtendWith(RunningStack.class)");
    }
    return started;
  }

  /** The converted tiny model the stack serves (for extra service processes serving the same). */
  public Path modelDir() {
    return MODEL_DIR;
  }

  public String gatewayUrl() {
    return "http://127.0.0.1:" + gatewayHttpPort;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    synchronized (RunningStack.class) {
      if (started == null) {
        RunningStack stack = new RunningStack();
        stack.start();
        started = stack;
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL).put(RunningStack.class, stack);
      }
    }
  }

  private void start() throws IOException, InterruptedException {
    TinyModel.prepare(MODEL_DIR);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
    int exit = launcher(List.of("up", "-d"), TimeUnit.MINUTES.toSeconds(10));
    if (exit != 0) {
      stop();
      throw new IllegalStateException("./varco up -d failed with exit code " + exit + "; see " + STATE_DIR.resolve("launcher.log")
          + " and " + STATE_DIR.resolve("logs"));
    }
  }

  @Override
  public void close() {
    stop();
  }

  private synchronized void stop() {
    try {
      launcher(List.of("down"), 60);
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException("./varco down failed", e);
    }
  }

  private int launcher(List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
    Files.createDirectories(STATE_DIR);
    var command = new java.util.ArrayList<String>();
    command.add(REPO.resolve("varco").toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile());
    Map<String, String> env = builder.environment();
    env.putAll(environment());
    builder.redirectErrorStream(true);
    builder.redirectOutput(ProcessBuilder.Redirect.appendTo(STATE_DIR.resolve("launcher.log").toFile()));
    Process process = builder.start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }

  private Map<String, String> environment() {
    return launcherEnvironment(STATE_DIR, gatewayHttpPort, gatewayGrpcPort, llmHttpPort, llmGrpcPort, visionHttpPort, visionGrpcPort);
  }

  /** What {@code ./varco} needs to run a stack of the tiny model in {@code stateDir} on these ports. */
  static Map<String, String> launcherEnvironment(
      Path stateDir, int gatewayHttp, int gatewayGrpc, int llmHttp, int llmGrpc, int visionHttp, int visionGrpc) {
    Map<String, String> env = new HashMap<>();
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("VARCO_MODEL_DIR", MODEL_DIR.toString());
    env.put("VARCO_STATE_DIR", stateDir.toString());
    env.put("VARCO_GATEWAY_PORT", Integer.toString(gatewayHttp));
    env.put("VARCO_GATEWAY_GRPC_PORT", Integer.toString(gatewayGrpc));
    env.put("VARCO_LLM_PORT", Integer.toString(llmHttp));
    env.put("VARCO_LLM_GRPC_PORT", Integer.toString(llmGrpc));
    env.put("VARCO_VISION_PORT", Integer.toString(visionHttp));
    env.put("VARCO_VISION_GRPC_PORT", Integer.toString(visionGrpc));
    return env;
  }
}
