package dev.varco.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The second turn of a conversation with an image, against the running stack (llm-service asking
 * the real vision-service): it reuses the first turn's KV cache, image rows included (prefill
 * counted through usage.cached_prompt_tokens, not timed), does not send the image to
 * vision-service again (Encode calls counted on vision-service), and answers exactly as a run
 * without the cache. Once that KV cache is evicted, the image is encoded again and the answer is
 * the same.
 */
@ExtendWith(RunningStack.class)
class MultiTurnKvReuseSystemTest {
  private static ManagedChannel channel;
  private static LanguageModelGrpc.LanguageModelBlockingStub llm;

  @BeforeAll
  static void connect() {
    channel = ManagedChannelBuilder.forAddress("127.0.0.1", RunningStack.get().llmGrpcPort).usePlaintext().build();
    llm = LanguageModelGrpc.newBlockingStub(channel);
  }

  @AfterAll
  static void disconnect() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  private record Answer(String text, Completion completion) {}

  private static Answer generate(GenerateRequest request) {
    return generate(llm, request);
  }

  private static Answer generate(LanguageModelGrpc.LanguageModelBlockingStub llm, GenerateRequest request) {
    StringBuilder text = new StringBuilder();
    Completion completion = null;
    var stream = llm.withDeadlineAfter(5, TimeUnit.MINUTES).generate(request);
    while (stream.hasNext()) {
      GenerateResponse response = stream.next();
      if (response.hasDelta()) {
        text.append(response.getDelta().getText());
      } else {
        completion = response.getCompletion();
      }
    }
    return new Answer(text.toString(), completion);
  }

  private static Message text(String role, String text) {
    return Message.newBuilder().setRole(role).addContent(ContentPart.newBuilder().setText(text)).build();
  }

  private static Message imageTurn(byte[] image) {
    return Message.newBuilder().setRole("user")
        .addContent(ContentPart.newBuilder().setImage(Image.newBuilder().setData(ByteString.copyFrom(image))))
        .addContent(ContentPart.newBuilder().setText("이 그림에 뭐가 있어? What is in it?"))
        .build();
  }

  private static final SamplingParams GREEDY = SamplingParams.newBuilder().setTemperature(0).setMaxTokens(10).build();

  private static GenerateRequest secondTurn(Message imageTurn, Answer first) {
    return GenerateRequest.newBuilder().setSessionId("kv-system")
        .addMessages(imageTurn).addMessages(text("assistant", first.text())).addMessages(text("user", "색깔은? Which colours?"))
        .setSampling(GREEDY).build();
  }

  @Test
  void theSecondTurnReusesTheImageTurnsCacheAndAnswersAsACleanRun() {
    Message imageTurn = imageTurn(TestImages.png(500, 380));
    SamplingParams greedy = GREEDY;
    double encodes = StackMetrics.visionEncodeCalls();
    Answer first = generate(GenerateRequest.newBuilder().setSessionId("kv-system").addMessages(imageTurn).setSampling(greedy).build());
    var firstUsage = first.completion().getUsage();
    assertTrue(firstUsage.getImageTokens() > 0);
    assertEquals(encodes + 1, StackMetrics.visionEncodeCalls(), "turn 1 encodes its image");

    GenerateRequest secondTurn = secondTurn(imageTurn, first);
    Answer second = generate(secondTurn);
    var secondUsage = second.completion().getUsage();
    assertEquals(encodes + 1, StackMetrics.visionEncodeCalls(),
        "turn 2 takes the image's rows from turn 1's KV cache: no second Encode call");
    assertEquals(firstUsage.getImageTokens(), secondUsage.getImageTokens());
    assertTrue(secondUsage.getCachedPromptTokens() >= firstUsage.getPromptTokens(),
        "turn 2 reused " + secondUsage.getCachedPromptTokens() + " positions; turn 1's prompt (image rows included) was "
            + firstUsage.getPromptTokens());
    assertTrue(secondUsage.getPromptTokens() - secondUsage.getCachedPromptTokens() < 40,
        "only the new suffix is prefilled: " + (secondUsage.getPromptTokens() - secondUsage.getCachedPromptTokens()));

    Answer cold = generate(secondTurn.toBuilder().setCachePrompt(false).build());
    assertEquals(0, cold.completion().getUsage().getCachedPromptTokens());
    assertEquals(encodes + 2, StackMetrics.visionEncodeCalls(), "without the cache the image is encoded");
    assertEquals(cold.text(), second.text(), "same greedy answer on a cache hit and without the cache");
    assertEquals(cold.completion().getFinishReason(), second.completion().getFinishReason());
    assertEquals(cold.completion().getUsage().getCompletionTokens(), secondUsage.getCompletionTokens());
  }

  /**
   * An llm-service of its own whose KV budget holds one such conversation: another conversation
   * evicts the first one's cache, so the first one's next turn must encode its image again.
   */
  @Test
  void aTurnWhoseCacheWasEvictedEncodesItsImageAgain() throws Exception {
    try (ServiceProcess small = ServiceProcess.llmService("kv-evict-llm")
        // A 384x384 image is 1485 rows, 512 B each on the tiny model: one turn of ~1540
        // positions reserves ~0.8 MB, two do not fit in 1.2 MB.
        .with("varco.llm.kv-cache.max-bytes", "1200000").start()) {
      ManagedChannel own = ManagedChannelBuilder.forAddress("127.0.0.1", small.grpcPort).usePlaintext().build();
      try {
        LanguageModelGrpc.LanguageModelBlockingStub smallLlm = LanguageModelGrpc.newBlockingStub(own);
        Message imageTurn = imageTurn(TestImages.png(384, 384));
        double encodes = StackMetrics.visionEncodeCalls();
        Answer first = generate(smallLlm, GenerateRequest.newBuilder().setSessionId("kv-system")
            .addMessages(imageTurn).setSampling(GREEDY).build());
        assertEquals(encodes + 1, StackMetrics.visionEncodeCalls());

        // Another conversation with another image takes the memory of the first one's cache.
        generate(smallLlm, GenerateRequest.newBuilder().setSessionId("kv-other")
            .addMessages(imageTurn(TestImages.jpeg(384, 384))).setSampling(GREEDY).build());
        assertEquals(encodes + 2, StackMetrics.visionEncodeCalls());

        GenerateRequest secondTurn = secondTurn(imageTurn, first);
        Answer second = generate(smallLlm, secondTurn);
        assertEquals(0, second.completion().getUsage().getCachedPromptTokens(), "turn 1's KV cache was evicted");
        assertEquals(encodes + 3, StackMetrics.visionEncodeCalls(), "so turn 2 encodes the image again");
        assertEquals(first.completion().getUsage().getImageTokens(), second.completion().getUsage().getImageTokens());

        Answer cold = generate(smallLlm, secondTurn.toBuilder().setCachePrompt(false).build());
        assertEquals(cold.text(), second.text(), "same greedy answer as without the cache");
        assertEquals(cold.completion().getUsage().getCompletionTokens(), second.completion().getUsage().getCompletionTokens());
      } finally {
        own.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }

  /** A streaming call the test ends when it chooses, and what it received. */
  private static final class HeldCall implements ClientResponseObserver<GenerateRequest, GenerateResponse> {
    final CountDownLatch firstResponse = new CountDownLatch(1);
    final CompletableFuture<Void> ended = new CompletableFuture<>();
    private volatile ClientCallStreamObserver<GenerateRequest> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<GenerateRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(GenerateResponse response) {
      firstResponse.countDown();
    }

    @Override
    public void onError(Throwable t) {
      firstResponse.countDown();
      ended.complete(null);
    }

    @Override
    public void onCompleted() {
      firstResponse.countDown();
      ended.complete(null);
    }

    void cancel() {
      call.cancel("the test is done with it", null);
    }
  }

  private static void awaitValue(ServiceProcess process, String series, double expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (StackMetrics.of(process, series) != expected && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(expected, StackMetrics.of(process, series), series);
  }

  /**
   * The image's KV prefix is there when turn 2 is prepared (so its image is not encoded) but is
   * evicted before turn 2 starts: the service encodes it then, and answers as without the cache.
   * One request runs at a time; a held call keeps turn 2 queued behind a request that needs the
   * memory of turn 1's cache.
   */
  @Test
  void aTurnWhoseCacheIsEvictedWhileItWaitsEncodesItsImageBeforeItStarts() throws Exception {
    try (ServiceProcess small = ServiceProcess.llmService("kv-race-llm")
        .with("varco.llm.max-running-requests", "1")
        // 512 B per position: turn 1 (~1540 positions) and the held call (30000) fit together,
        // the request queued ahead of turn 2 (31000) does not fit beside turn 1's cache.
        .with("varco.llm.kv-cache.max-bytes", "16500000").start()) {
      ManagedChannel own = ManagedChannelBuilder.forAddress("127.0.0.1", small.grpcPort).usePlaintext().build();
      try {
        LanguageModelGrpc.LanguageModelBlockingStub smallLlm = LanguageModelGrpc.newBlockingStub(own);
        LanguageModelGrpc.LanguageModelStub async = LanguageModelGrpc.newStub(own);
        Message imageTurn = imageTurn(TestImages.png(384, 384));
        Answer first = generate(smallLlm, GenerateRequest.newBuilder().setSessionId("kv-system")
            .addMessages(imageTurn).setSampling(GREEDY).build());
        GenerateRequest secondTurn = secondTurn(imageTurn, first);
        double encodes = StackMetrics.visionEncodeCalls();

        HeldCall running = new HeldCall();
        async.generate(GenerateRequest.newBuilder().addMessages(text("user", "Tell me a very long story."))
            .setSampling(SamplingParams.newBuilder().setTemperature(0).setMaxTokens(30000)).build(), running);
        assertTrue(running.firstResponse.await(2, TimeUnit.MINUTES));
        assertFalse(running.ended.isDone(), "the held call must still run (it ended early: pick another prompt)");
        HeldCall ahead = new HeldCall();
        async.generate(GenerateRequest.newBuilder().addMessages(text("user", "And another one."))
            .setSampling(SamplingParams.newBuilder().setTemperature(0).setMaxTokens(31000)).build(), ahead);
        awaitValue(small, "vllm:num_requests_waiting", 1);
        Thread.sleep(2000); // a text prompt is prepared in milliseconds: it is queued before turn 2
        CompletableFuture<Answer> second = CompletableFuture.supplyAsync(() -> generate(smallLlm, secondTurn));
        // Turn 1's cache is idle while turn 2 is prepared: its image is left unencoded.
        awaitValue(small, "varco:image_encodes_skipped_total", 1);
        assertEquals(encodes, StackMetrics.visionEncodeCalls());

        running.cancel(); // the request ahead starts, and its reservation evicts turn 1's cache
        assertTrue(ahead.firstResponse.await(2, TimeUnit.MINUTES));
        ahead.cancel();
        Answer answered = second.get(5, TimeUnit.MINUTES);
        assertEquals(1, StackMetrics.of(small, "varco:image_encodes_after_eviction_total"), "encoded when it was about to start");
        assertEquals(encodes + 1, StackMetrics.visionEncodeCalls());
        assertEquals(0, answered.completion().getUsage().getCachedPromptTokens());

        Answer cold = generate(smallLlm, secondTurn.toBuilder().setCachePrompt(false).build());
        assertEquals(cold.text(), answered.text(), "same greedy answer as without the cache");
        assertEquals(cold.completion().getUsage().getCompletionTokens(), answered.completion().getUsage().getCompletionTokens());
      } finally {
        own.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
      }
    }
  }
}
