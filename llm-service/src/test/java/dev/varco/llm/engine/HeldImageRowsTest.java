package dev.varco.llm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.TinyModelDirectory;
import dev.varco.llm.model.GenerationResult;
import dev.varco.llm.model.ImageEmbedding;
import dev.varco.llm.model.PromptImage;
import dev.varco.llm.model.PromptRows;
import dev.varco.llm.model.SamplingSettings;
import dev.varco.llm.model.TokenSampler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The model thread's side of not re-encoding images (the tiny model, a real KV cache pool and
 * scheduler): a prompt whose image rows were left out because an idle KV buffer held them runs on
 * that buffer and answers exactly as the prompt with every row; when that buffer was evicted between
 * preparation and admission, the scheduler hands the job back for encoding instead of running it.
 */
class HeldImageRowsTest {
  private static final int IMAGE_ROWS = 40;
  /** Eight pages of 64 positions at the tiny model's 512 B per position. */
  private static final long BUDGET = 8 * 64 * 512;

  private static LoadedModel model;
  private static int imageToken;
  private static ImageEmbedding image;

  @BeforeAll
  static void load() throws IOException {
    TinyModelDirectory.prepare();
    Path work = Files.createDirectories(Path.of("target", "held-image-rows-work").toAbsolutePath());
    model = LoadedModel.load(TinyModelDirectory.PATH, work, 256,
        Optional.empty(), null);
    imageToken = model.manifest().llm().imageTokenId();
    SplittableRandom random = new SplittableRandom(7);
    float[] rows = new float[IMAGE_ROWS * model.decoder().hiddenSize()];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = (float) random.nextGaussian() * 0.05f;
    }
    image = ImageEmbedding.ofFloats(IMAGE_ROWS, model.decoder().hiddenSize(), rows);
  }

  @AfterAll
  static void close() {
    model.close();
  }

  /** A scheduler on its own thread, with the jobs it hands back for encoding. */
  private static final class Engine implements AutoCloseable {
    final BlockingQueue<PreparedJob> ready = new LinkedBlockingQueue<>();
    final BlockingQueue<PreparedJob> handedBack = new LinkedBlockingQueue<>();
    final KvCachePool pool;
    volatile boolean stopping;
    final Thread thread;

    Engine() {
      pool = new KvCachePool(model.decoder()::newKvCache, model.decoder().kvFootprint(), BUDGET,
          TimeUnit.MINUTES.toNanos(10), true);
      StepScheduler scheduler = new StepScheduler(model, pool, new EngineMetrics(new SimpleMeterRegistry(), "tiny"),
          1, 256, ready, handedBack::add);
      thread = Thread.ofPlatform().name("held-image-rows-model").start(() -> scheduler.run(() -> stopping));
    }

    @Override
    public void close() throws InterruptedException {
      stopping = true;
      thread.interrupt();
      thread.join(10_000);
    }
  }

  /** What a job's sink received. */
  private static final class Outcome implements GenerationSink {
    final StringBuilder text = new StringBuilder();
    final CompletableFuture<GenerationResult> result = new CompletableFuture<>();

    @Override
    public void delta(String delta, int tokenCount, List<TokenLogprob> logprobs) {
      text.append(delta);
    }

    @Override
    public void completed(GenerationResult done) {
      result.complete(done);
    }

    @Override
    public void failed(RuntimeException error) {
      result.completeExceptionally(error);
    }

    GenerationResult await() throws Exception {
      return result.get(2, TimeUnit.MINUTES);
    }
  }

  private static PreparedJob job(PromptRows prompt, int maxTokens, Outcome sink) {
    return new PreparedJob("test", "test", prompt, List.of(), maxTokens, new TokenSampler(SamplingSettings.greedy()), List.of(),
        sink, new GenerationTicket(), System.nanoTime(), true);
  }

  private static PromptRows prompt(int[] tokens, PromptImage image) {
    return PromptRows.spliceImages(tokens, imageToken, List.of(image));
  }

  /** Token ids of a rendered turn; position 3 becomes the image placeholder once the model is loaded. */
  private static final int[] TURN_1 = {151644, 872, 198, 0, 3838, 374, 304, 432, 30, 151645, 198, 151644, 77091, 198};
  private static final int[] TURN_2 = IntStream.concat(IntStream.of(TURN_1), IntStream.of(1234, 151645, 198, 151644, 872,
      198, 3838, 1894, 30, 151645, 198, 151644, 77091, 198)).toArray();

  private static int[] withImage(int[] tokens) {
    int[] ids = tokens.clone();
    ids[3] = imageToken;
    return ids;
  }

  /** Turn 1 with the image's rows, run to its end so its buffer stays idle holding the image. */
  private static void firstTurn(Engine engine) throws Exception {
    Outcome first = new Outcome();
    engine.ready.add(job(prompt(withImage(TURN_1), PromptImage.encoded(image, "aa")), 4, first));
    first.await();
  }

  @Test
  void aHeldImageRunsOnItsKvPrefixAndAnswersAsWithEveryRow() throws Exception {
    Outcome full = new Outcome();
    try (Engine engine = new Engine()) {
      engine.ready.add(job(prompt(withImage(TURN_2), PromptImage.encoded(image, "aa")), 6, full));
      full.await();
    }
    try (Engine engine = new Engine()) {
      firstTurn(engine);
      Outcome held = new Outcome();
      engine.ready.add(job(prompt(withImage(TURN_2), PromptImage.heldInCache("aa", IMAGE_ROWS)), 6, held));
      GenerationResult result = held.await();
      assertTrue(result.cachedPromptTokens() >= 3 + IMAGE_ROWS, "the image rows came from the KV cache: " + result);
      assertEquals(full.text.toString(), held.text.toString(), "same greedy answer as with every row");
      assertEquals(full.await().completionTokens(), result.completionTokens());
      assertNull(engine.handedBack.poll(), "nothing to encode");
    }
  }

  @Test
  void aJobWhoseImagePrefixWasEvictedBeforeItStartsIsHandedBackForEncoding() throws Exception {
    try (Engine engine = new Engine()) {
      firstTurn(engine);
      // Prepared while turn 1's buffer was idle, so its image was left unencoded...
      PreparedJob second = job(prompt(withImage(TURN_2), PromptImage.heldInCache("aa", IMAGE_ROWS)), 6, new Outcome());
      // ...but a request ahead of it needs the whole budget, and its start evicts that buffer.
      int[] other = IntStream.range(0, 400).map(i -> 1000 + i).toArray();
      Outcome ahead = new Outcome();
      engine.ready.add(job(PromptRows.ofTokens(other), (int) (BUDGET / 512) - 400, ahead));
      engine.ready.add(second);
      PreparedJob back = engine.handedBack.poll(2, TimeUnit.MINUTES);
      assertSame(second, back, "handed back for encoding, not run without its image rows");
      assertNotNull(ahead.await());
      assertFalse(((Outcome) second.sink()).result.isDone(), "the handed-back job has not answered");

      // Encoded (here: the rows the vision service would send), it runs like any complete prompt.
      engine.ready.add(back.withPrompt(back.prompt().withImages(List.of(PromptImage.encoded(image, "aa")))));
      GenerationResult result = ((Outcome) second.sink()).await();
      assertEquals(0, result.cachedPromptTokens(), "nothing of turn 1 was left in the KV cache");
      assertEquals(TURN_2.length - 1 + IMAGE_ROWS, result.promptTokens());
    }
  }
}
