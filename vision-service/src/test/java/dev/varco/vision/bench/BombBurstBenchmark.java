package dev.varco.vision.bench;

import com.google.protobuf.ByteString;
import dev.varco.model.tiny.TinyModel;
import dev.varco.proto.vision.v1.EncodeRequest;
import dev.varco.proto.vision.v1.EncodeResponse;
import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import dev.varco.vision.image.BombCorpus;
import dev.varco.vision.image.TestImages;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What six decompression bombs sent back to back do to a running vision-service: the latency of an
 * ordinary request (640x480 JPEG) sent right behind them, what each bomb got, and the service's RSS
 * before, at its peak and after the burst. Starts the packaged service ({@code target/quarkus-app})
 * as its own process with the tiny model and the JVM flags given, on free loopback ports, and stops
 * it. Not a test: run it with the command in vision-service/README.md ("Decompression bombs").
 * System properties: {@code bench.app} (quarkus-app directory), {@code bench.jvm-flags} (the
 * service's JVM flags, space separated), {@code bench.service-config} (extra -D options for the
 * service), {@code bench.settle-seconds} (30: how long RSS is watched after the burst).
 */
public final class BombBurstBenchmark {
  private static final long MIB = 1 << 20;

  private BombBurstBenchmark() {}

  public static void main(String[] args) throws Exception {
    Path app = Path.of(System.getProperty("bench.app", "target/quarkus-app")).toAbsolutePath();
    String jvmFlags = System.getProperty("bench.jvm-flags", "").strip();
    String serviceConfig = System.getProperty("bench.service-config", "").strip();
    int settleSeconds = Integer.getInteger("bench.settle-seconds", 30);
    Path model = Path.of("target", "tiny-model").toAbsolutePath();
    TinyModel.prepare(model);
    Path work = Files.createDirectories(Path.of("target", "bomb-burst").toAbsolutePath());
    int httpPort = freePort();
    int grpcPort = freePort();

    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + work));
    if (!jvmFlags.isEmpty()) {
      command.addAll(Arrays.asList(jvmFlags.split("\\s+")));
    }
    command.addAll(List.of("-Dvarco.model.dir=" + model, "-Dquarkus.http.host=127.0.0.1",
        "-Dquarkus.grpc.server.host=127.0.0.1", "-Dquarkus.http.port=" + httpPort,
        "-Dquarkus.grpc.server.port=" + grpcPort));
    if (!serviceConfig.isEmpty()) {
      command.addAll(Arrays.asList(serviceConfig.split("\\s+")));
    }
    command.addAll(List.of("-jar", app.resolve("quarkus-run.jar").toString()));
    System.out.printf("service: %s%nJVM flags: %s%nconfig: %s%n", app, jvmFlags.isEmpty() ? "(none)" : jvmFlags,
        serviceConfig.isEmpty() ? "(defaults)" : serviceConfig);
    Process service = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(work.resolve("service.log").toFile()).start();
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext()
        .maxInboundMessageSize(64 << 20).build();
    ExecutorService callers = Executors.newCachedThreadPool();
    try {
      awaitReady(httpPort, service);
      VisionEncoderGrpc.VisionEncoderBlockingStub vision = VisionEncoderGrpc.newBlockingStub(channel);
      for (int i = 0; i < 3; i++) {
        encode(vision, ordinary(100 + i)); // warm-up
      }
      long idle = rssKib(service.pid());
      List<Double> baseline = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        encode(vision, ordinary(200 + i));
        baseline.add((System.nanoTime() - start) / 1e6);
      }
      System.out.printf(Locale.ROOT, "RSS idle after warm-up: %d MiB%n", idle / 1024);
      System.out.printf(Locale.ROOT, "ordinary request alone (640x480 JPEG): %s ms%n", format(baseline));

      int[][] sizes = {{5792, 5792}, {5790, 5790}, {8192, 4096}, {4096, 8192}, {5000, 6000}, {6000, 5000}};
      List<byte[]> files = new ArrayList<>();
      for (int[] size : sizes) {
        files.add(BombCorpus.zeroPng(size[0], size[1], 2, 8, false)); // made before the burst: deflating takes a while
      }
      byte[] normalImage = ordinary(300);
      RssWatch watch = new RssWatch(service.pid());
      Thread watcher = Thread.ofPlatform().daemon().start(watch);
      List<Future<String>> bombs = new ArrayList<>();
      long burstStart = System.nanoTime();
      for (byte[] bomb : files) {
        bombs.add(callers.submit(() -> outcome(vision, bomb, burstStart)));
        Thread.sleep(5); // back to back, in this order
      }
      long normalStart = System.nanoTime();
      String normal = outcome(vision, normalImage, normalStart);
      System.out.printf(Locale.ROOT, "ordinary request sent right behind 6 RGB PNG bombs (98 KB, 30-34 MP each): %s%n", normal);
      for (int i = 0; i < bombs.size(); i++) {
        System.out.printf(Locale.ROOT, "  bomb %dx%d: %s%n", sizes[i][0], sizes[i][1], bombs.get(i).get(10, TimeUnit.MINUTES));
      }
      List<Double> after = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        encode(vision, ordinary(400 + i));
        after.add((System.nanoTime() - start) / 1e6);
      }
      System.out.printf(Locale.ROOT, "ordinary request after the burst: %s ms%n", format(after));
      long settled = 0;
      for (int s = 5; s <= settleSeconds; s += 5) {
        Thread.sleep(5000);
        settled = rssKib(service.pid());
        System.out.printf(Locale.ROOT, "  RSS %2d s after the burst: %d MiB%n", s, settled / 1024);
      }
      watch.stop();
      watcher.join();
      System.out.printf(Locale.ROOT, "RSS: idle %d MiB, peak during the burst %d MiB, %d s after %d MiB%n",
          idle / 1024, watch.peak / 1024, settleSeconds, settled / 1024);
    } finally {
      callers.shutdownNow();
      channel.shutdownNow();
      service.destroy();
      if (!service.waitFor(20, TimeUnit.SECONDS)) {
        service.destroyForcibly();
      }
    }
  }

  /** A 640x480 noise JPEG: a different image for each seed, so the embedding cache never answers. */
  private static byte[] ordinary(long seed) {
    return TestImages.encode(TestImages.noise(640, 480, seed), "jpeg");
  }

  private static int encode(VisionEncoderGrpc.VisionEncoderBlockingStub vision, byte[] image) {
    Iterator<EncodeResponse> stream = vision.withDeadlineAfter(10, TimeUnit.MINUTES)
        .encode(EncodeRequest.newBuilder().setImage(ByteString.copyFrom(image)).build());
    int tokens = stream.next().getHeader().getTokenCount();
    stream.forEachRemaining(part -> {});
    return tokens;
  }

  private static String outcome(VisionEncoderGrpc.VisionEncoderBlockingStub vision, byte[] image, long since) {
    try {
      int tokens = encode(vision, image);
      return String.format(Locale.ROOT, "OK, %d tokens, %.0f ms", tokens, (System.nanoTime() - since) / 1e6);
    } catch (StatusRuntimeException e) {
      return String.format(Locale.ROOT, "%s after %.0f ms: %s", e.getStatus().getCode(), (System.nanoTime() - since) / 1e6,
          e.getStatus().getDescription());
    }
  }

  private static String format(List<Double> millis) {
    List<Double> sorted = millis.stream().sorted().toList();
    return String.format(Locale.ROOT, "median %.0f, max %.0f", sorted.get(sorted.size() / 2), sorted.getLast());
  }

  private static void awaitReady(int httpPort, Process service) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    while (System.nanoTime() < deadline) {
      if (!service.isAlive()) {
        throw new IllegalStateException("the service exited; see target/bomb-burst/service.log");
      }
      try {
        HttpURLConnection connection =
            (HttpURLConnection) URI.create("http://127.0.0.1:" + httpPort + "/q/health/ready").toURL().openConnection();
        if (connection.getResponseCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // still starting
      }
      Thread.sleep(500);
    }
    throw new IllegalStateException("the service was not ready within 3 minutes");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static long rssKib(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", ""));
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return 0;
  }

  /** Samples the service's RSS every 100 ms and keeps the peak. */
  private static final class RssWatch implements Runnable {
    private final long pid;
    private volatile boolean running = true;
    private volatile long peak;

    RssWatch(long pid) {
      this.pid = pid;
    }

    void stop() {
      running = false;
    }

    @Override
    public void run() {
      while (running) {
        peak = Math.max(peak, rssKib(pid));
        try {
          Thread.sleep(100);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }
}
