package dev.varco.vision.engine;

import dev.varco.vision.encoder.EncoderSession;
import dev.varco.vision.image.TileBatch;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.jboss.logging.Logger;

/**
 * Cross-request tile batching. One thread owns the encoder session: it takes waiting tiles in
 * arrival order, waits up to the batching window for more when fewer than a full batch wait, runs
 * them as one encoder call, and copies each slice of the output back to its image at the right
 * tile offset. Tiles of several images share a batch; one image's tiles may span batches.
 *
 * <p>Hand-over blocks while a full batch is already waiting, so preprocessing cannot pile up
 * tiles faster than the encoder takes them (the engine's bounded queue then fills and refuses).
 */
public final class TileBatcher implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(TileBatcher.class);

  private final EncoderSession encoder;
  private final int maxBatchTiles;
  private final long windowNanos;
  private final BatchObserver observer;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition tilesArrived = lock.newCondition();
  private final Condition roomForTiles = lock.newCondition();
  private final ArrayDeque<PendingTiles> waiting = new ArrayDeque<>();
  private int waitingTiles;
  private boolean closed;
  private Thread thread;

  /** A run of consecutive tiles of one image inside a batch. */
  private record Slice(PendingTiles image, int firstTile, int count) {}

  public TileBatcher(EncoderSession encoder, int maxBatchTiles, Duration window, BatchObserver observer) {
    if (maxBatchTiles < 1) {
      throw new IllegalArgumentException("varco.vision.max-batch-tiles must be >= 1, got " + maxBatchTiles);
    }
    if (window.isNegative()) {
      throw new IllegalArgumentException("varco.vision.batch-window must not be negative, got " + window);
    }
    this.encoder = encoder;
    this.maxBatchTiles = maxBatchTiles;
    this.windowNanos = window.toNanos();
    this.observer = observer;
  }

  /** Starts the encoder thread. Tiles handed over before this wait and form the first batches. */
  public void start() {
    thread = Thread.ofPlatform().name("vision-encoder").daemon().start(this::run);
  }

  /**
   * Hands one image's tiles to the encoder thread; blocks while a full batch is already waiting.
   *
   * @throws InterruptedException when interrupted while waiting for room
   * @throws IllegalStateException when the batcher is closed
   */
  public PendingTiles submit(TileBatch tiles) throws InterruptedException {
    PendingTiles pending = new PendingTiles(tiles);
    lock.lockInterruptibly();
    try {
      while (waitingTiles >= maxBatchTiles && !closed) {
        roomForTiles.await();
      }
      if (closed) {
        throw new IllegalStateException("the vision encoder is shutting down");
      }
      waiting.addLast(pending);
      waitingTiles += pending.tileCount();
      tilesArrived.signal();
    } finally {
      lock.unlock();
    }
    return pending;
  }

  /** Drops the image's tiles that have not entered a batch yet and cancels its features. */
  public void cancel(PendingTiles pending) {
    lock.lock();
    try {
      if (waiting.remove(pending)) {
        waitingTiles -= pending.tilesNotStarted();
        roomForTiles.signalAll();
      }
    } finally {
      lock.unlock();
    }
    pending.features().cancel(false);
  }

  /** Tiles handed over and not yet in a batch (the encoder's queue depth). */
  public int waitingTiles() {
    lock.lock();
    try {
      return waitingTiles;
    } finally {
      lock.unlock();
    }
  }

  /** Images none of whose tiles has entered a batch yet. */
  public int waitingImages() {
    lock.lock();
    try {
      return (int) waiting.stream().filter(p -> p.nextTile == 0).count();
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    try {
      while (true) {
        List<Slice> batch = nextBatch();
        if (batch == null) {
          return;
        }
        if (!batch.isEmpty()) {
          encode(batch);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      failWaiting();
    }
  }

  /** The next batch in arrival order, empty when cancellations emptied it, null once closed. */
  private List<Slice> nextBatch() throws InterruptedException {
    lock.lockInterruptibly();
    try {
      while (waitingTiles == 0 && !closed) {
        tilesArrived.await();
      }
      // Wait a short window for other requests' tiles unless a full batch is already there.
      long deadline = System.nanoTime() + windowNanos;
      long left;
      while (waitingTiles < maxBatchTiles && !closed && (left = deadline - System.nanoTime()) > 0) {
        tilesArrived.awaitNanos(left);
      }
      if (closed) {
        return null;
      }
      List<Slice> batch = new ArrayList<>();
      int taken = 0;
      while (taken < maxBatchTiles && !waiting.isEmpty()) {
        PendingTiles head = waiting.peekFirst();
        int count = Math.min(maxBatchTiles - taken, head.tilesNotStarted());
        batch.add(new Slice(head, head.nextTile, count));
        head.nextTile += count;
        taken += count;
        waitingTiles -= count;
        if (head.tilesNotStarted() == 0) {
          waiting.removeFirst();
        }
      }
      roomForTiles.signalAll();
      return batch;
    } finally {
      lock.unlock();
    }
  }

  private void encode(List<Slice> batch) {
    TileBatch first = batch.getFirst().image().tiles;
    int tileFloats = first.floatsPerTile();
    int count = batch.stream().mapToInt(Slice::count).sum();
    float[] pixels = new float[count * tileFloats];
    int at = 0;
    for (Slice slice : batch) {
      System.arraycopy(slice.image().tiles.pixelValues(), slice.firstTile() * tileFloats, pixels, at * tileFloats,
          slice.count() * tileFloats);
      at += slice.count();
    }
    Set<PendingTiles> images = new LinkedHashSet<>();
    batch.forEach(slice -> images.add(slice.image()));
    float[] output;
    long started = System.nanoTime();
    try {
      output = encoder.encode(new TileBatch(pixels, count, first.size()));
    } catch (RuntimeException | OutOfMemoryError e) {
      LOG.errorf(e, "encoder batch of %d tiles from %d images failed", count, images.size());
      images.forEach(image -> failImage(image, e));
      return;
    }
    observer.batchEncoded(count, images.size(), System.nanoTime() - started);
    int rowFloats = encoder.tokensPerTile() * encoder.hiddenSize();
    at = 0;
    for (Slice slice : batch) {
      PendingTiles image = slice.image();
      if (!image.features().isDone()) {
        if (image.featureRows == null) {
          image.featureRows = new float[image.tileCount() * rowFloats];
        }
        System.arraycopy(output, at * rowFloats, image.featureRows, slice.firstTile() * rowFloats,
            slice.count() * rowFloats);
        image.encodedTiles += slice.count();
        if (image.encodedTiles == image.tileCount()) {
          image.features().complete(image.featureRows);
        }
      }
      at += slice.count();
    }
  }

  /** A failed image's remaining tiles are useless: drop them too. */
  private void failImage(PendingTiles image, Throwable error) {
    lock.lock();
    try {
      if (waiting.remove(image)) {
        waitingTiles -= image.tilesNotStarted();
        roomForTiles.signalAll();
      }
    } finally {
      lock.unlock();
    }
    image.features().completeExceptionally(error);
  }

  private void failWaiting() {
    List<PendingTiles> dropped;
    lock.lock();
    try {
      closed = true;
      dropped = new ArrayList<>(waiting);
      waiting.clear();
      waitingTiles = 0;
      roomForTiles.signalAll();
    } finally {
      lock.unlock();
    }
    dropped.forEach(p -> p.features().completeExceptionally(new EngineUnavailableException("the vision encoder is shutting down")));
  }

  /** Stops the encoder thread after its current batch; images still waiting fail. */
  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      tilesArrived.signalAll();
      roomForTiles.signalAll();
    } finally {
      lock.unlock();
    }
    if (thread != null) {
      try {
        thread.join(TimeUnit.SECONDS.toMillis(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    failWaiting();
  }
}
