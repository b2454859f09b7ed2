package dev.varco.vision.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.varco.vision.engine.EngineBusyException;
import dev.varco.vision.engine.EngineUnavailableException;
import dev.varco.vision.image.ImageRejectedException;
import io.grpc.Status;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class GrpcErrorsTest {
  private static Status map(Throwable error) {
    return GrpcErrors.toStatus(error, "r1").getStatus();
  }

  @Test
  void eachFailureGetsTheContractsStatusAndKeepsItsMessage() {
    assertEquals(Status.Code.INVALID_ARGUMENT, map(new ImageRejectedException("GIF images are not supported")).getCode());
    assertEquals("GIF images are not supported", map(new ImageRejectedException("GIF images are not supported")).getDescription());
    assertEquals(Status.Code.INVALID_ARGUMENT, map(new InvalidRequestException("sha256 ...")).getCode());
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, map(new EngineBusyException("queue full")).getCode());
    assertEquals(Status.Code.UNAVAILABLE, map(new EngineUnavailableException("loading")).getCode());
    assertEquals(Status.Code.INTERNAL, map(new IllegalStateException("boom")).getCode());
    // Failures that come back through the engine's future are unwrapped.
    assertEquals(Status.Code.INVALID_ARGUMENT,
        map(new CompletionException(new ImageRejectedException("image is empty"))).getCode());
  }
}
