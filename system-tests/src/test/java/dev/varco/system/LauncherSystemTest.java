package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.tiny.TinyModel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code ./varco} as an operator uses it, on a stack of its own (its own state directory and free
 * ports, not the shared {@link RunningStack}): the gateway opened to every interface with
 * VARCO_GATEWAY_HOST while the backends stay on loopback; per-service JVM options and heaps;
 * the previous run's logs kept; status with ports and readiness; an access log with durations and
 * the request id that llm-service and vision-service log too; the engine's periodic state line;
 * vLLM metrics labelled with the model; restarting one service; help.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LauncherSystemTest {
  private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
  private static final Path STATE_DIR = Path.of("target", "launcher-state").toAbsolutePath();
  private static final Path MODEL_DIR = Path.of("target", "tiny-model").toAbsolutePath(); // the shared stack's
  private static final Path LOGS = STATE_DIR.resolve("logs");
  private static final String EARLIER_RUN = "a line the previous run of the gateway wrote";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final int GATEWAY_PORT = LoopbackPorts.free();
  private static final int GATEWAY_GRPC_PORT = LoopbackPorts.free();
  private static final int LLM_PORT = LoopbackPorts.free();
  private static final int LLM_GRPC_PORT = LoopbackPorts.free();
  private static final int VISION_PORT = LoopbackPorts.free();
  private static final int VISION_GRPC_PORT = LoopbackPorts.free();

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private static ModelManifest model;

  /** What one launcher run printed and how it ended. */
  record Run(int exit, String out, String err) {}

  @BeforeAll
  static void up() throws Exception {
    model = TinyModel.prepare(MODEL_DIR);
    deleteRecursively(STATE_DIR);
    Files.createDirectories(LOGS);
    Files.writeString(LOGS.resolve("gateway.log"), EARLIER_RUN + "\n");
    Runtime.getRuntime().addShutdownHook(new Thread(LauncherSystemTest::downQuietly));
    Run up = launcher(List.of("up", "-d"), 600);
    assertEquals(0, up.exit(), "./varco up -d: " + up.out() + up.err());
  }

  @AfterAll
  static void down() throws Exception {
    Run down = launcher(List.of("down"), 60);
    assertEquals(0, down.exit(), down.out() + down.err());
  }

  @Test
  @Order(1)
  void helpExitsZeroAndPrintsTheUsageOnly() throws Exception {
    for (String help : List.of("help", "--help", "-h")) {
      Run run = launcher(List.of(help), 30);
      assertEquals(0, run.exit(), help);
      assertEquals("", run.err(), help + " writes nothing to stderr");
      List<String> lines = run.out().lines().toList();
      assertEquals("The VARCO-VISION serving stack launcher.", lines.getFirst());
      assertTrue(lines.stream().anyMatch(l -> l.startsWith("  ./varco restart NAME")), run.out());
      assertTrue(lines.stream().anyMatch(l -> l.startsWith("  VARCO_GATEWAY_HOST")), run.out());
      // Only the header comment: no line of the script's code.
      String script = Files.readString(REPO.resolve("varco"));
      String code = script.substring(script.indexOf("\nset -euo pipefail"));
      for (String line : lines) {
        assertFalse(!line.isBlank() && code.contains("\n" + line + "\n"), "a line of code in the help: " + line);
      }
    }
    Run unknown = launcher(List.of("frobnicate"), 30);
    assertEquals(2, unknown.exit(), "an unknown command is a usage error");
  }

  @Test
  @Order(2)
  void theGatewayListensWhereVarcoGatewayHostSaysAndTheBackendsOnLoopback() {
    for (int port : List.of(GATEWAY_PORT, GATEWAY_GRPC_PORT)) {
      InetAddress address = ListeningSockets.addressOf(port).orElseThrow(() -> new AssertionError("nothing listens on " + port));
      assertTrue(address.isAnyLocalAddress(), "gateway port " + port + " listens on " + address + ", wanted every interface");
    }
    for (int port : List.of(LLM_PORT, LLM_GRPC_PORT, VISION_PORT, VISION_GRPC_PORT)) {
      InetAddress address = ListeningSockets.addressOf(port).orElseThrow(() -> new AssertionError("nothing listens on " + port));
      assertTrue(address.isLoopbackAddress(), "backend port " + port + " listens on " + address + ", wanted loopback");
    }
  }

  @Test
  @Order(3)
  void eachServiceGetsItsOwnOptionsAndAHeapSizedFromTheModel() throws Exception {
    List<String> gateway = commandLine("gateway");
    List<String> llm = commandLine("llm-service");
    List<String> vision = commandLine("vision-service");
    // A gateway-only key that llm-service's strict config would refuse: it reached the gateway alone.
    assertTrue(gateway.contains("-Dvarco.gateway.access.requests-per-minute=6000"), gateway.toString());
    assertFalse(llm.contains("-Dvarco.gateway.access.requests-per-minute=6000"), llm.toString());
    assertTrue(llm.contains("-Dvarco.llm.stats-log-interval=1s"), llm.toString());
    assertFalse(vision.contains("-Dvarco.llm.stats-log-interval=1s"), vision.toString());
    // The launcher's rule: 1 GiB + 8 embeddings of a 2304x2304 image (7371 rows x hidden x 4 bytes).
    int hidden = JSON.readTree(MODEL_DIR.resolve("llm/config.json").toFile()).path("hidden_size").asInt();
    assertTrue(hidden > 0);
    assertEquals("-Xmx" + (1024 + (8L * 7371 * hidden * 4 >> 20)) + "m", lastHeapFlag(llm), llm.toString());
    assertEquals("-Xmx777m", lastHeapFlag(vision), "VARCO_VISION_HEAP overrides the rule");
    assertEquals("-Xmx1536m", lastHeapFlag(gateway));
  }

  @Test
  @Order(3)
  void aHeapThatIsNoMemorySizeIsRefusedNamingTheSetting() throws Exception {
    Run flags = launcher(List.of("flags", "llm-service"), Map.of("VARCO_LLM_HEAP", "lots"), 30);
    assertEquals(1, flags.exit(), flags.out());
    assertTrue(flags.err().contains("VARCO_LLM_HEAP=lots is not a memory size"), flags.err());
  }

  @Test
  @Order(4)
  void upKeepsThePreviousRunsLog() throws Exception {
    assertEquals(EARLIER_RUN + "\n", Files.readString(LOGS.resolve("gateway.log.1")));
    assertFalse(Files.readString(LOGS.resolve("gateway.log")).contains(EARLIER_RUN));
  }

  @Test
  @Order(5)
  void statusShowsEachServicesPortsAndReadiness() throws Exception {
    Run status = launcher(List.of("status"), 60);
    assertEquals(0, status.exit(), status.out() + status.err());
    Map<String, int[]> ports = Map.of("gateway", new int[] {GATEWAY_PORT, GATEWAY_GRPC_PORT},
        "llm-service", new int[] {LLM_PORT, LLM_GRPC_PORT}, "vision-service", new int[] {VISION_PORT, VISION_GRPC_PORT});
    for (var service : ports.entrySet()) {
      String line = status.out().lines().filter(l -> l.startsWith(service.getKey() + " ")).findFirst()
          .orElseThrow(() -> new AssertionError("no line for " + service.getKey() + ":\n" + status.out()));
      assertTrue(line.contains(" running "), line);
      assertTrue(line.contains("pid " + pid(service.getKey())), line);
      assertTrue(line.contains(":" + service.getValue()[0] + " "), "HTTP port in " + line);
      assertTrue(line.contains(":" + service.getValue()[1] + " "), "gRPC port in " + line);
      assertTrue(line.endsWith("ready"), line);
    }
  }

  @Test
  @Order(6)
  void aTurnIsLoggedWithItsDurationAndOneRequestIdInEveryService() throws Exception {
    HttpResponse<String> turn = imageTurn();
    assertEquals(200, turn.statusCode(), turn.body());
    String requestId = turn.headers().firstValue("X-Request-Id").orElseThrow();
    Pattern access = Pattern.compile("\"POST /v1/chat/completions HTTP/1.1\" 200 \\d+ (\\d+)ms request_id=" + Pattern.quote(requestId));
    String gatewayLog = awaitLog("gateway", access);
    Matcher line = access.matcher(gatewayLog);
    assertTrue(line.find());
    assertFalse(gatewayLog.contains("-ms"), "no access line without its duration");
    // ./varco up polled /q/health/ready until the gateway was ready: none of that in the log.
    assertFalse(gatewayLog.contains("/q/health"), "readiness polls stay out of the access log");
    awaitLog("llm-service", Pattern.compile("request " + Pattern.quote(requestId) + " finished: \\d+ prompt tokens \\(\\d+ image rows"));
    awaitLog("vision-service", Pattern.compile("request " + Pattern.quote(requestId) + " encoded image [0-9a-f]{12}"));
  }

  @Test
  @Order(7)
  void llmServiceLogsTheEnginesStateAtTheConfiguredInterval() throws Exception {
    assertEquals(200, imageTurn().statusCode());
    awaitLog("llm-service", Pattern.compile("Avg prompt throughput: [0-9.]+ tokens/s, Avg generation throughput: [1-9][0-9.]* tokens/s, "
        + "Running: \\d+ reqs, Waiting: \\d+ reqs, KV cache usage: [0-9.]+%, Prefix cache hit rate: [0-9.]+%"));
  }

  @Test
  @Order(8)
  void vllmMetricsCarryTheModelName() throws Exception {
    String metrics = get("http://127.0.0.1:" + LLM_PORT + "/q/metrics").body();
    List<String> vllm = metrics.lines().filter(l -> l.startsWith("vllm:")).toList();
    assertTrue(vllm.size() > 10, metrics);
    for (String sample : vllm) {
      assertTrue(sample.contains("model_name=\"" + model.name() + "\""), sample);
    }
  }

  @Test
  @Order(9)
  void restartRestartsOneServiceWithItsFlagsAndKeepsItsLog() throws Exception {
    long llmBefore = pid("llm-service");
    long gatewayBefore = pid("gateway");
    long visionBefore = pid("vision-service");
    List<String> before = commandLine("llm-service");
    Run restart = launcher(List.of("restart", "llm-service"), 300);
    assertEquals(0, restart.exit(), restart.out() + restart.err());
    assertNotEquals(llmBefore, pid("llm-service"));
    assertEquals(gatewayBefore, pid("gateway"));
    assertEquals(visionBefore, pid("vision-service"));
    assertEquals(before, commandLine("llm-service"), "the same flags as at up");
    assertTrue(Files.readString(LOGS.resolve("llm-service.log.1")).contains(" finished: "), "the previous log is kept");
    assertEquals(200, imageTurn().statusCode(), "the stack serves again");
    Run bogus = launcher(List.of("restart", "nothing-by-that-name"), 30);
    assertEquals(1, bogus.exit());
    assertTrue(bogus.err().contains("usage: ./varco restart"), bogus.err());
  }

  private static HttpResponse<String> imageTurn() throws Exception {
    String body = JSON.writeValueAsString(Map.of("max_tokens", 4, "temperature", 0, "messages", List.of(Map.of("role", "user", "content",
        List.of(Map.of("type", "image_url", "image_url", Map.of("url", TestImages.dataUrl("image/png", TestImages.png(64, 48)))),
            Map.of("type", "text", "text", "What is in the picture?"))))));
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + GATEWAY_PORT + "/v1/chat/completions"))
        .header("Content-Type", "application/json").timeout(Duration.ofMinutes(2))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The service's log once {@code wanted} appears in it (logs are written asynchronously); fails after 30 s. */
  private static String awaitLog(String service, Pattern wanted) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      String log = Files.readString(LOGS.resolve(service + ".log"));
      if (wanted.matcher(log).find()) {
        return log;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(service + " log has no match for " + wanted + ":\n" + log);
      }
      Thread.sleep(200);
    }
  }

  private static long pid(String service) throws IOException {
    return Long.parseLong(Files.readString(STATE_DIR.resolve(service + ".pid")).strip());
  }

  /** The running process's arguments, from /proc. */
  private static List<String> commandLine(String service) throws IOException {
    String raw = Files.readString(Path.of("/proc", Long.toString(pid(service)), "cmdline"), StandardCharsets.UTF_8);
    return List.of(raw.split("\0"));
  }

  /** The JVM takes the last -Xmx on its command line. */
  private static String lastHeapFlag(List<String> command) {
    return command.stream().filter(a -> a.startsWith("-Xmx")).reduce((a, b) -> b).orElse("(none)");
  }

  private static Run launcher(List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
    return launcher(args, Map.of(), timeoutSeconds);
  }

  private static Run launcher(List<String> args, Map<String, String> extraEnvironment, long timeoutSeconds)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(REPO.resolve("varco").toString());
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile());
    builder.environment().putAll(environment());
    builder.environment().putAll(extraEnvironment);
    Path out = Files.createTempFile(Files.createDirectories(Path.of("target", "tmp")), "varco-out", ".txt");
    Path err = Files.createTempFile(Path.of("target", "tmp"), "varco-err", ".txt");
    Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("./varco " + args + " did not finish in " + timeoutSeconds + " s: " + Files.readString(out));
    }
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  private static Map<String, String> environment() {
    Map<String, String> env = new HashMap<>(RunningStack.launcherEnvironment(
        STATE_DIR, GATEWAY_PORT, GATEWAY_GRPC_PORT, LLM_PORT, LLM_GRPC_PORT, VISION_PORT, VISION_GRPC_PORT));
    // Every interface; without API keys the gateway still answers loopback clients only.
    env.put("VARCO_GATEWAY_HOST", "0.0.0.0");
    env.put("VARCO_GATEWAY_JAVA_OPTS", "-Dvarco.gateway.access.requests-per-minute=6000");
    env.put("VARCO_LLM_JAVA_OPTS", "-Dvarco.llm.stats-log-interval=1s");
    env.put("VARCO_VISION_HEAP", "777m");
    return env;
  }

  private static void downQuietly() {
    try {
      launcher(List.of("down"), 60);
    } catch (Exception | AssertionError e) {
      // the JVM is ending; nothing more to do
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }
}
