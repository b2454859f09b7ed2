package dev.varco.llm.bench;

import com.google.protobuf.ByteString;
import dev.varco.proto.llm.v1.Completion;
import dev.varco.proto.llm.v1.ContentPart;
import dev.varco.proto.llm.v1.GenerateRequest;
import dev.varco.proto.llm.v1.GenerateResponse;
import dev.varco.proto.llm.v1.Image;
import dev.varco.proto.llm.v1.LanguageModelGrpc;
import dev.varco.proto.llm.v1.Message;
import dev.varco.proto.llm.v1.SamplingParams;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Iterator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/**
 * A measured run (not a test): time to first token of the two turns of image conversations against
 * a running llm-service (and the vision-service it is configured with), as a gRPC client sees it.
 * Each run is a new conversation with a new image (so turn 1 never hits an earlier cache):
 * turn 1 = image + question, turn 2 = the whole conversation again + a new question, as the
 * gateway sends it. Prints each run and the median.
 *
 * <p>{@code ./mvnw -pl llm-service test-compile exec:exec@image-turn-latency -Dbench.llm=127.0.0.1:9001
 * -Dbench.image=2304 -Dbench.runs=5}
 */
public final class ImageTurnLatency {
  private ImageTurnLatency() {}

  private record Turn(double ttftMs, double totalMs, String text, Completion completion) {}

  public static void main(String[] args) throws Exception {
    String[] target = System.getProperty("bench.llm", "127.0.0.1:9001").split(":");
    int side = Integer.getInteger("bench.image", 2304);
    int runs = Integer.getInteger("bench.runs", 5);
    ManagedChannel channel = ManagedChannelBuilder.forAddress(target[0], Integer.parseInt(target[1]))
        .usePlaintext().maxInboundMessageSize(64 << 20).build();
    try {
      LanguageModelGrpc.LanguageModelBlockingStub llm = LanguageModelGrpc.newBlockingStub(channel);
      SamplingParams greedy = SamplingParams.newBuilder().setTemperature(0).setMaxTokens(8).build();
      double[] second = new double[runs];
      double[] first = new double[runs];
      // New pictures every invocation: a picture of an earlier invocation would hit its KV cache.
      int base = (int) (System.nanoTime() & 0xfffffff);
      for (int run = 0; run < runs; run++) {
        byte[] png = picture(side, base + run);
        Message imageTurn = Message.newBuilder().setRole("user")
            .addContent(ContentPart.newBuilder().setImage(Image.newBuilder().setData(ByteString.copyFrom(png))))
            .addContent(ContentPart.newBuilder().setText("이 그림에 뭐가 있어? What is in it?")).build();
        String session = "latency-" + run + "-" + System.nanoTime();
        Turn one = turn(llm, GenerateRequest.newBuilder().setSessionId(session).setRequestId(session + "-1")
            .addMessages(imageTurn).setSampling(greedy).build());
        Turn two = turn(llm, GenerateRequest.newBuilder().setSessionId(session).setRequestId(session + "-2")
            .addMessages(imageTurn).addMessages(text("assistant", one.text()))
            .addMessages(text("user", "색깔은? Which colours?")).setSampling(greedy).build());
        first[run] = one.ttftMs();
        second[run] = two.ttftMs();
        System.out.printf("run %d: %dx%d PNG %d bytes, %d image rows | turn 1: TTFT %.0f ms (prompt %d) | "
                + "turn 2: TTFT %.0f ms, total %.0f ms (prompt %d, %d from the KV cache)%n",
            run, side, side, png.length, one.completion().getUsage().getImageTokens(), one.ttftMs(),
            one.completion().getUsage().getPromptTokens(), two.ttftMs(), two.totalMs(),
            two.completion().getUsage().getPromptTokens(), two.completion().getUsage().getCachedPromptTokens());
      }
      System.out.printf("median over %d runs: turn 1 TTFT %.0f ms, turn 2 TTFT %.0f ms%n", runs, median(first), median(second));
    } finally {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  private static Turn turn(LanguageModelGrpc.LanguageModelBlockingStub llm, GenerateRequest request) {
    long start = System.nanoTime();
    long firstToken = 0;
    StringBuilder text = new StringBuilder();
    Completion completion = null;
    Iterator<GenerateResponse> responses = llm.withDeadlineAfter(10, TimeUnit.MINUTES).generate(request);
    while (responses.hasNext()) {
      GenerateResponse response = responses.next();
      if (response.hasDelta()) {
        if (firstToken == 0) {
          firstToken = System.nanoTime();
        }
        text.append(response.getDelta().getText());
      } else if (response.hasCompletion()) {
        completion = response.getCompletion();
      }
    }
    long end = System.nanoTime();
    if (firstToken == 0) {
      firstToken = end; // the answer was one end-of-turn token: no delta
    }
    return new Turn((firstToken - start) / 1e6, (end - start) / 1e6, text.toString(), completion);
  }

  private static Message text(String role, String text) {
    return Message.newBuilder().setRole(role).addContent(ContentPart.newBuilder().setText(text)).build();
  }

  /** A photo-like picture (gradients plus noise), different for every seed. */
  private static byte[] picture(int side, int seed) throws IOException {
    BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    SplittableRandom random = new SplittableRandom(seed);
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        int r = (x * 255 / side + random.nextInt(16)) & 0xff;
        int g = (y * 255 / side + random.nextInt(16)) & 0xff;
        int b = (128 + seed * 37 + random.nextInt(16)) & 0xff;
        image.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(image, "png", out);
    return out.toByteArray();
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
