package dev.varco.vision.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.vision.image.GridPinpoint;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class InFlightEncodesTest {
  private static final EmbeddingKey KEY = new EmbeddingKey("image", "config");
  private static final ImageEmbedding EMBEDDING =
      new ImageEmbedding(1, 1, new GridPinpoint(384, 384), 1, 1, 1, new byte[2]);

  @Test
  void concurrentCallersShareOneEncode() {
    InFlightEncodes inFlight = new InFlightEncodes();
    AtomicInteger begun = new AtomicInteger();
    CompletableFuture<ImageEmbedding> encode = new CompletableFuture<>();
    CompletableFuture<ImageEmbedding> first = inFlight.join(KEY, () -> { begun.incrementAndGet(); return encode; });
    CompletableFuture<ImageEmbedding> second = inFlight.join(KEY, () -> { begun.incrementAndGet(); return encode; });
    assertEquals(1, begun.get());
    assertEquals(1, inFlight.joined());
    encode.complete(EMBEDDING);
    assertSame(EMBEDDING, first.join());
    assertSame(EMBEDDING, second.join());
    assertEquals(0, inFlight.size(), "a finished encode is forgotten");
  }

  @Test
  void theEncodeIsCancelledOnlyWhenItsLastCallerCancels() {
    InFlightEncodes inFlight = new InFlightEncodes();
    CompletableFuture<ImageEmbedding> encode = new CompletableFuture<>();
    CompletableFuture<ImageEmbedding> first = inFlight.join(KEY, () -> encode);
    CompletableFuture<ImageEmbedding> second = inFlight.join(KEY, () -> encode);
    first.cancel(false);
    assertFalse(encode.isCancelled(), "the second caller still waits");
    second.cancel(false);
    assertTrue(encode.isCancelled());
    assertEquals(0, inFlight.size());

    CompletableFuture<ImageEmbedding> fresh = new CompletableFuture<>();
    CompletableFuture<ImageEmbedding> third = inFlight.join(KEY, () -> fresh);
    fresh.complete(EMBEDDING);
    assertSame(EMBEDDING, third.join(), "after a cancelled encode the next caller begins a new one");
  }

  @Test
  void aFailedEncodeFailsEveryCallerAndIsForgotten() {
    InFlightEncodes inFlight = new InFlightEncodes();
    CompletableFuture<ImageEmbedding> encode = new CompletableFuture<>();
    CompletableFuture<ImageEmbedding> first = inFlight.join(KEY, () -> encode);
    CompletableFuture<ImageEmbedding> second = inFlight.join(KEY, () -> encode);
    encode.completeExceptionally(new IllegalStateException("broken"));
    assertTrue(first.isCompletedExceptionally());
    assertTrue(second.isCompletedExceptionally());
    assertEquals(0, inFlight.size());
  }

  @Test
  void aRefusedBeginningReachesTheCallerAndRegistersNothing() {
    InFlightEncodes inFlight = new InFlightEncodes();
    assertThrows(EngineBusyException.class, () -> inFlight.join(KEY, () -> { throw new EngineBusyException("full"); }));
    assertEquals(0, inFlight.size());
  }
}
