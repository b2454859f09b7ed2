package dev.varco.load;

import dev.varco.load.grpc.GrpcLoad;
import dev.varco.load.report.LoadChart;
import dev.varco.load.report.RecoveryProbe;
import dev.varco.load.report.StackSampler;
import dev.varco.load.report.RunSummary;
import dev.varco.load.report.ScenarioRun;
import dev.varco.load.report.SmokeVerdict;
import dev.varco.load.report.StackSnapshot;
import dev.varco.load.simulation.ChatCompletionsSimulation;
import dev.varco.load.simulation.ResponsesConversationSimulation;
import dev.varco.load.stream.Measurements;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs scenarios against a running stack with Gatling, in this JVM, and writes the markdown summary.
 * Command line (what {@code ./varco load} calls):
 *
 * <pre>
 * LoadRun [chat|responses|grpc-complete|grpc-respond|grpc-encode|all] [--duration S] [--rate R] [--profile constant|ramp|soak] [--base-url URL]
 *         [--max-tokens N] [--stream-timeout S] [--report-dir DIR] [--state-dir DIR] [--llm-url URL]
 *         [--vision-url URL] [--grpc-target HOST:PORT] [--vision-grpc-target HOST:PORT] [--smoke] [--rss-growth-mib N]
 * </pre>
 *
 * The API key comes from the environment ({@code VARCO_LOAD_API_KEY}), never the command line.
 * {@code --smoke} exits 1 when {@link SmokeVerdict} finds a problem.
 */
public final class LoadRun {
  /** The Gatling scenarios by the name the command line takes, in the order {@code all} runs them. */
  public static final Map<String, Class<?>> SCENARIOS;

  static {
    Map<String, Class<?>> scenarios = new LinkedHashMap<>();
    scenarios.put("chat", ChatCompletionsSimulation.class);
    scenarios.put("responses", ResponsesConversationSimulation.class);
    SCENARIOS = java.util.Collections.unmodifiableMap(scenarios);
  }

  /** Every scenario {@code all} can run with these settings: Gatling's, then gRPC's whose target is set. */
  public static List<String> all(LoadSettings settings) {
    List<String> names = new ArrayList<>(SCENARIOS.keySet());
    settings.grpcTarget().ifPresent(t -> names.addAll(List.of("grpc-complete", "grpc-respond")));
    settings.visionGrpcTarget().ifPresent(t -> names.add("grpc-encode"));
    return names;
  }

  private LoadRun() {}

  /** Runs the named scenarios one after the other and writes the summary; returns each run. */
  public static List<ScenarioRun> run(LoadSettings settings, List<String> scenarios) throws IOException {
    for (String scenario : scenarios) {
      if (!SCENARIOS.containsKey(scenario) && !GrpcLoad.SCENARIOS.contains(scenario)) {
        throw new IllegalArgumentException("unknown scenario " + scenario + "; known: " + String.join(", ", SCENARIOS.keySet()) + ", "
            + String.join(", ", GrpcLoad.SCENARIOS) + ", all");
      }
    }
    settings.export();
    Path gatlingDir = settings.reportDir().resolve("gatling");
    Files.createDirectories(gatlingDir);
    List<ScenarioRun> runs = new ArrayList<>();
    for (String scenario : scenarios) {
      runs.add(runOne(settings, scenario, gatlingDir));
    }
    RunSummary.write(settings, runs);
    return runs;
  }

  private static ScenarioRun runOne(LoadSettings settings, String scenario, Path gatlingDir) throws IOException {
    Class<?> simulation = SCENARIOS.get(scenario);
    Measurements.reset();
    Set<Path> earlier = reports(gatlingDir);
    boolean overload = settings.profile() == LoadSettings.Profile.RAMP;
    RecoveryProbe probe = new RecoveryProbe(settings);
    OptionalLong baseline = overload ? interruptible(probe::baseline) : OptionalLong.empty();
    StackSnapshot before = StackSnapshot.take(settings);
    StackSampler sampler = StackSampler.start(settings, Math.max(1, settings.duration().toSeconds() / 60));
    int status = simulation != null
        ? io.gatling.app.Gatling$.MODULE$.fromArgs(new String[] {"-s", simulation.getName(), "-rf", gatlingDir.toString()})
        : grpc(settings, scenario);
    List<StackSampler.Sample> samples = interruptible(sampler::stop);
    Optional<RecoveryProbe.Recovery> recovery = baseline.isPresent()
        ? Optional.of(interruptible(() -> probe.await(baseline.getAsLong(), lastArrival()))) : Optional.empty();
    StackSnapshot after = StackSnapshot.take(settings);
    Optional<Path> report = reports(gatlingDir).stream().filter(p -> !earlier.contains(p)).findFirst();
    String stamp = RunSummary.stamp(before);
    Path chart = settings.reportDir().resolve("chart-" + scenario + "-" + stamp + ".png");
    boolean charted = LoadChart.write(scenario + ": latency and throughput vs offered load", Measurements.streams(), chart);
    if (!samples.isEmpty()) {
      Files.writeString(settings.reportDir().resolve("samples-" + scenario + "-" + stamp + ".csv"), StackSampler.csv(samples));
    }
    return new ScenarioRun(scenario, Measurements.snapshot(), before, after, report, status, charted ? Optional.of(chart) : Optional.empty(),
        samples, recovery);
  }

  /** When the run's last stream was started (epoch ms); now if none was. */
  private static long lastArrival() {
    return Measurements.streams().stream().mapToLong(Measurements.StreamRecord::startMillis).max().orElse(System.currentTimeMillis());
  }

  /** Waits that this command-line tool does not expect to be interrupted; if one is, the run stops. */
  private static <T> T interruptible(Waiting<T> wait) {
    try {
      return wait.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private interface Waiting<T> {
    T get() throws InterruptedException;
  }

  private static int grpc(LoadSettings settings, String scenario) {
    try {
      GrpcLoad.run(settings, scenario);
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } catch (IllegalStateException e) {
      System.err.println(scenario + ": " + e.getMessage());
      return 1;
    }
  }

  private static Set<Path> reports(Path dir) throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      return new HashSet<>(entries.filter(Files::isDirectory).toList());
    }
  }

  public static void main(String[] args) throws IOException {
    Map<String, String> options = new LinkedHashMap<>();
    List<String> scenarios = new ArrayList<>();
    boolean smoke = false;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("--smoke")) {
        smoke = true;
      } else if (arg.startsWith("--")) {
        if (i + 1 >= args.length) {
          fail(arg + " needs a value");
        }
        options.put(arg.substring(2), args[++i]);
      } else {
        scenarios.add(arg);
      }
    }
    LoadSettings settings;
    try {
      settings = settings(options);
    } catch (IllegalArgumentException e) {
      fail(e.getMessage());
      return;
    }
    if (scenarios.isEmpty() || scenarios.contains("all")) {
      scenarios = all(settings);
    }
    long rssBound;
    try {
      rssBound = number(options, "rss-growth-mib", "256");
    } catch (IllegalArgumentException e) {
      fail(e.getMessage());
      return;
    }
    List<ScenarioRun> runs;
    try {
      runs = run(settings, scenarios);
    } catch (IllegalArgumentException e) {
      fail(e.getMessage());
      return;
    }
    System.out.println(RunSummary.render(settings, runs));
    System.out.println("Summary written to " + settings.reportDir().resolve("summary-latest.md"));
    boolean gatlingFailed = runs.stream().anyMatch(r -> r.gatlingStatus() != 0);
    if (smoke) {
      List<String> problems = SmokeVerdict.problems(runs, rssBound);
      problems.forEach(p -> System.out.println("SMOKE FAILED: " + p));
      System.exit(problems.isEmpty() && !gatlingFailed ? 0 : 1);
    }
    System.exit(gatlingFailed ? 1 : 0);
  }

  private static LoadSettings settings(Map<String, String> options) {
    Set<String> known = Set.of("duration", "rate", "profile", "base-url", "max-tokens", "stream-timeout", "report-dir", "state-dir",
        "llm-url", "vision-url", "grpc-target", "vision-grpc-target", "rss-growth-mib");
    for (String option : options.keySet()) {
      if (!known.contains(option)) {
        throw new IllegalArgumentException("unknown option --" + option);
      }
    }
    String key = System.getenv("VARCO_LOAD_API_KEY");
    return new LoadSettings(
        options.getOrDefault("base-url", "http://127.0.0.1:8080"),
        key == null || key.isBlank() ? Optional.empty() : Optional.of(key),
        Duration.ofSeconds(number(options, "duration", "30")),
        decimal(options, "rate", "0.5"),
        profile(options.getOrDefault("profile", "constant")),
        (int) number(options, "max-tokens", "32"),
        Duration.ofSeconds(number(options, "stream-timeout", "120")),
        Path.of(options.getOrDefault("report-dir", "target/reports")),
        Optional.ofNullable(options.get("state-dir")).map(Path::of),
        Optional.ofNullable(options.get("llm-url")),
        Optional.ofNullable(options.get("vision-url")),
        Optional.ofNullable(options.get("grpc-target")),
        Optional.ofNullable(options.get("vision-grpc-target")));
  }

  private static long number(Map<String, String> options, String name, String fallback) {
    return parsed(options, name, fallback, Long::parseLong, "a whole number");
  }

  private static double decimal(Map<String, String> options, String name, String fallback) {
    return parsed(options, name, fallback, Double::parseDouble, "a number");
  }

  private static <T> T parsed(Map<String, String> options, String name, String fallback, java.util.function.Function<String, T> parse,
      String what) {
    String value = options.getOrDefault(name, fallback);
    try {
      return parse.apply(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be " + what + ", got " + value);
    }
  }

  private static LoadSettings.Profile profile(String name) {
    try {
      return LoadSettings.Profile.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--profile must be constant, ramp or soak, got " + name);
    }
  }

  private static void fail(String message) {
    System.err.println("varco load: " + message);
    System.exit(2);
  }
}
