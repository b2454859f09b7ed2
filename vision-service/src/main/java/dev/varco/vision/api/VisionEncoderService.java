package dev.varco.vision.api;

import dev.varco.proto.vision.v1.EncodeRequest;
import dev.varco.proto.vision.v1.EncodeResponse;
import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import dev.varco.vision.engine.ImageEmbedding;
import dev.varco.vision.engine.VisionEngine;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import java.util.concurrent.CompletableFuture;

/**
 * {@code varco.vision.v1.VisionEncoder}: checks the request, hands the image to the engine and
 * streams the result back. Runs on a Quarkus worker thread (hashing a 20 MB image is not event
 * loop work) and returns as soon as the image is queued; the engine's worker sends the reply.
 */
@GrpcService
public class VisionEncoderService extends VisionEncoderGrpc.VisionEncoderImplBase {
  private final VisionEngine engine;

  VisionEncoderService(VisionEngine engine) {
    this.engine = engine;
  }

  @Override
  @Blocking
  public void encode(EncodeRequest request, StreamObserver<EncodeResponse> responses) {
    ServerCallStreamObserver<EncodeResponse> observer = (ServerCallStreamObserver<EncodeResponse>) responses;
    String requestId = request.getRequestId();
    CompletableFuture<ImageEmbedding> pending;
    String sha256;
    try {
      byte[] image = request.getImage().toByteArray();
      if (image.length == 0) {
        throw new InvalidRequestException("image is empty: send PNG or JPEG bytes");
      }
      sha256 = ImageDigest.resolve(image, request.getSha256());
      pending = engine.submit(image, requestId);
    } catch (RuntimeException e) {
      observer.onError(GrpcErrors.toStatus(e, requestId));
      return;
    }
    observer.setOnCancelHandler(() -> pending.cancel(false));
    pending.whenComplete(
        (embedding, error) -> {
          if (observer.isCancelled()) {
            return;
          }
          if (error != null) {
            observer.onError(GrpcErrors.toStatus(error, requestId));
          } else {
            EmbeddingStream.send(embedding, sha256, observer);
          }
        });
  }
}
