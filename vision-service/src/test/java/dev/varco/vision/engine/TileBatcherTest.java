package dev.varco.vision.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.tiny.TinyModel;
import dev.varco.vision.encoder.EncoderOptions;
import dev.varco.vision.encoder.EncoderSession;
import dev.varco.vision.encoder.ExecutionProvider;
import dev.varco.vision.image.TileBatch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The batcher on the tiny model's real encoder session. Tiles handed over before start() form the first batches. */
class TileBatcherTest {
  private static final Path MODEL_DIR = Path.of("target", "tiny-model").toAbsolutePath();
  private static EncoderSession encoder;
  private static int tileSize;

  /** What one encoder batch held. */
  record Batch(int tiles, int images) {}

  private final List<Batch> batches = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void openEncoder() {
    ModelManifest manifest = TinyModel.prepare(MODEL_DIR);
    tileSize = manifest.vision().imageSize();
    // One tile per graph run: results do not depend on which tiles share a batch, so they compare exactly.
    encoder = EncoderSession.open(MODEL_DIR, manifest.vision(), new EncoderOptions(ExecutionProvider.CPU, 1, 1));
  }

  @AfterAll
  static void closeEncoder() {
    encoder.close();
  }

  private TileBatcher batcher(int maxBatchTiles) {
    return new TileBatcher(encoder, maxBatchTiles, Duration.ofMillis(20),
        (tiles, images, nanos) -> batches.add(new Batch(tiles, images)));
  }

  private static TileBatch randomTiles(int count, long seed) {
    Random random = new Random(seed);
    float[] pixels = new float[count * 3 * tileSize * tileSize];
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = random.nextFloat() * 2 - 1;
    }
    return new TileBatch(pixels, count, tileSize);
  }

  private static float[] await(PendingTiles pending) throws Exception {
    return pending.features().get(2, TimeUnit.MINUTES);
  }

  @Test
  void tilesOfSeveralImagesShareBatchesAndComeBackToTheirImageInOrder() throws Exception {
    TileBatch first = randomTiles(3, 1);
    TileBatch second = randomTiles(2, 2);
    float[] firstAlone = encoder.encode(first);
    float[] secondAlone = encoder.encode(second);
    try (TileBatcher batcher = batcher(4)) {
      PendingTiles a = batcher.submit(first);
      PendingTiles b = batcher.submit(second);
      assertEquals(5, batcher.waitingTiles());
      assertEquals(2, batcher.waitingImages());
      batcher.start();
      assertArrayEquals(firstAlone, await(a));
      assertArrayEquals(secondAlone, await(b));
    }
    // The second image's tiles span both batches: one joins the first image's three, one runs after.
    assertEquals(List.of(new Batch(4, 2), new Batch(1, 1)), batches);
  }

  @Test
  void oneImageLargerThanABatchIsSplitAcrossBatches() throws Exception {
    TileBatch tiles = randomTiles(5, 3);
    float[] alone = encoder.encode(tiles);
    try (TileBatcher batcher = batcher(2)) {
      batcher.start();
      assertArrayEquals(alone, await(batcher.submit(tiles)));
    }
    assertEquals(List.of(new Batch(2, 1), new Batch(2, 1), new Batch(1, 1)), batches);
  }

  @Test
  void aCancelledImagesWaitingTilesAreDropped() throws Exception {
    TileBatch kept = randomTiles(1, 4);
    float[] keptAlone = encoder.encode(kept);
    try (TileBatcher batcher = batcher(4)) {
      PendingTiles cancelled = batcher.submit(randomTiles(2, 5));
      PendingTiles served = batcher.submit(kept);
      batcher.cancel(cancelled);
      assertEquals(1, batcher.waitingTiles());
      batcher.start();
      assertArrayEquals(keptAlone, await(served));
      assertTrue(cancelled.features().isCancelled());
    }
    assertEquals(List.of(new Batch(1, 1)), batches, "only the kept image's tile reached the encoder");
  }

  @Test
  void closingFailsWaitingImagesAndRefusesNewOnes() throws Exception {
    TileBatcher batcher = batcher(4);
    PendingTiles waiting = batcher.submit(randomTiles(1, 6));
    batcher.close();
    ExecutionException failure = assertThrows(ExecutionException.class, () -> await(waiting));
    assertInstanceOf(EngineUnavailableException.class, failure.getCause());
    assertThrows(IllegalStateException.class, () -> batcher.submit(randomTiles(1, 7)));
    assertEquals(List.of(), batches);
  }
}
