package dev.varco.load;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * One run's settings. Simulations are instantiated by Gatling, which passes nothing to them, so the
 * settings travel as system properties ({@code varco.load.*}) that {@link LoadRun} sets before the run.
 *
 * @param baseUrl the gateway, e.g. {@code http://127.0.0.1:8080}
 * @param apiKey sent as {@code Authorization: Bearer}; empty for a keyless loopback gateway
 * @param duration how long new streams (or conversations) are started
 * @param rate new streams (chat) or new conversations (responses) per second; the open model's arrival rate
 * @param profile how arrivals are spread over the duration
 * @param maxTokens {@code max_tokens} / {@code max_output_tokens} of every turn, so each stream is bounded
 * @param streamTimeout longest wait for a stream's final event
 * @param reportDir where Gatling's HTML report and the markdown summary go
 * @param stateDir the launcher's state directory (pid files), to read each service's RSS; absent for a remote stack
 * @param llmUrl llm-service's HTTP base URL, to scrape its metrics; absent for a remote stack
 * @param visionUrl vision-service's HTTP base URL, to scrape its metrics; absent for a remote stack
 * @param grpcTarget the gateway's gRPC {@code host:port}, for the grpc-* scenarios (plaintext)
 * @param visionGrpcTarget vision-service's gRPC {@code host:port}, for {@code grpc-encode} (plaintext)
 */
public record LoadSettings(
    String baseUrl,
    Optional<String> apiKey,
    Duration duration,
    double rate,
    Profile profile,
    int maxTokens,
    Duration streamTimeout,
    Path reportDir,
    Optional<Path> stateDir,
    Optional<String> llmUrl,
    Optional<String> visionUrl,
    Optional<String> grpcTarget,
    Optional<String> visionGrpcTarget) {

  private static final String PREFIX = "varco.load.";

  /** How arrivals are spread over the run. */
  public enum Profile {
    /** {@code rate} arrivals per second for the whole duration. */
    CONSTANT,
    /** An open ramp from a tenth of {@code rate} to ten times it: past capacity on purpose (overload). */
    RAMP,
    /** {@code rate} for the whole duration, meant for long durations (soak); same shape as CONSTANT. */
    SOAK
  }

  public LoadSettings {
    if (!baseUrl.startsWith("http://") && !baseUrl.startsWith("https://")) {
      throw new IllegalArgumentException("base URL must start with http:// or https://, got " + baseUrl);
    }
    if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofHours(2)) > 0) {
      throw new IllegalArgumentException("duration must be 1 s .. 2 h, got " + duration.toSeconds() + " s");
    }
    if (!(rate > 0) || rate > 1000) {
      throw new IllegalArgumentException("rate must be > 0 and <= 1000 per second, got " + rate);
    }
    if (maxTokens < 1 || maxTokens > 4096) {
      throw new IllegalArgumentException("max tokens must be 1 .. 4096, got " + maxTokens);
    }
    baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
  }

  /** The most arrivals a run can start: every loop of a simulation is bounded by it. */
  public long maxArrivals() {
    double peak = profile == Profile.RAMP ? rate * 10 : rate;
    return (long) Math.ceil(peak * duration.toSeconds()) + 1;
  }

  /** Copies the settings into system properties for the simulations of this JVM. */
  public void export() {
    System.setProperty(PREFIX + "base-url", baseUrl);
    System.setProperty(PREFIX + "api-key", apiKey.orElse(""));
    System.setProperty(PREFIX + "duration-s", Long.toString(duration.toSeconds()));
    System.setProperty(PREFIX + "rate", Double.toString(rate));
    System.setProperty(PREFIX + "profile", profile.name());
    System.setProperty(PREFIX + "max-tokens", Integer.toString(maxTokens));
    System.setProperty(PREFIX + "stream-timeout-s", Long.toString(streamTimeout.toSeconds()));
    System.setProperty(PREFIX + "report-dir", reportDir.toString());
    System.setProperty(PREFIX + "state-dir", stateDir.map(Path::toString).orElse(""));
    System.setProperty(PREFIX + "llm-url", llmUrl.orElse(""));
    System.setProperty(PREFIX + "vision-url", visionUrl.orElse(""));
    System.setProperty(PREFIX + "grpc-target", grpcTarget.orElse(""));
    System.setProperty(PREFIX + "vision-grpc-target", visionGrpcTarget.orElse(""));
  }

  /** The settings {@link #export()} left in this JVM's system properties (defaults for absent ones). */
  public static LoadSettings fromSystemProperties() {
    return new LoadSettings(
        property("base-url", "http://127.0.0.1:8080"),
        optional("api-key"),
        Duration.ofSeconds(Long.parseLong(property("duration-s", "30"))),
        Double.parseDouble(property("rate", "0.5")),
        Profile.valueOf(property("profile", "CONSTANT").toUpperCase(java.util.Locale.ROOT)),
        Integer.parseInt(property("max-tokens", "32")),
        Duration.ofSeconds(Long.parseLong(property("stream-timeout-s", "120"))),
        Path.of(property("report-dir", "target/reports")),
        optional("state-dir").map(Path::of),
        optional("llm-url"),
        optional("vision-url"),
        optional("grpc-target"),
        optional("vision-grpc-target"));
  }

  private static String property(String name, String fallback) {
    String value = System.getProperty(PREFIX + name);
    return value == null || value.isBlank() ? fallback : value.trim();
  }

  private static Optional<String> optional(String name) {
    String value = System.getProperty(PREFIX + name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }
}
