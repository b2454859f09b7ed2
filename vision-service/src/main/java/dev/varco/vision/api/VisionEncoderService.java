package dev.varco.vision.api;

import dev.varco.proto.vision.v1.EncodeRequest;
import dev.varco.proto.vision.v1.EncodeResponse;
import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import dev.varco.vision.engine.ImageEmbedding;
import dev.varco.vision.engine.VisionEngine;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.grpc.GrpcService;
import io.smallrye.common.annotation.Blocking;
import java.util.concurrent.CompletableFuture;

/**
 * {@code varco.vision.v1.VisionEncoder}: checks the request, hands the image to the engine and
 * streams the result back. Runs on a Quarkus worker thread (hashing a 20 MB image is not event
 * loop work) and returns as soon as the image is queued; the reply starts from the thread that
 * finishes the embedding and continues as the client reads (flow control). A cancelled call
 * cancels its share of the encode.
 */
@GrpcService
public class VisionEncoderService extends VisionEncoderGrpc.VisionEncoderImplBase {
  private final VisionEngine engine;
  private final Counter flowControlPauses;

  VisionEncoderService(VisionEngine engine, MeterRegistry registry) {
    this.engine = engine;
    this.flowControlPauses = Counter.builder("varco.vision.stream.flow_control_pauses")
        .description("Times a reply stream waited for its client to consume before sending more")
        .register(registry);
  }

  @Override
  @Blocking
  public void encode(EncodeRequest request, StreamObserver<EncodeResponse> responses) {
    ServerCallStreamObserver<EncodeResponse> observer = (ServerCallStreamObserver<EncodeResponse>) responses;
    String requestId = request.getRequestId();
    long startNanos = System.nanoTime();
    EmbeddingStream stream = new EmbeddingStream(observer, engine.streamChunkBytes(), flowControlPauses);
    CompletableFuture<ImageEmbedding> pending;
    String sha256;
    try {
      byte[] image = request.getImage().toByteArray();
      if (image.length == 0) {
        throw new InvalidRequestException("image is empty: send PNG or JPEG bytes");
      }
      sha256 = ImageDigest.resolve(image, request.getSha256());
      pending = engine.submit(image, sha256, requestId);
    } catch (RuntimeException e) {
      stream.fail(GrpcErrors.toStatus(e, requestId));
      return;
    }
    observer.setOnCancelHandler(() -> pending.cancel(false));
    if (observer.isCancelled()) {
      pending.cancel(false); // cancelled while the image was hashed and queued, before the handler existed
    }
    pending.whenComplete(
        (embedding, error) -> {
          if (observer.isCancelled()) {
            return; // the caller went away; nothing to report
          }
          if (error != null) {
            stream.fail(GrpcErrors.toStatus(error, requestId));
          } else {
            stream.send(embedding, sha256);
            EncodeLog.encoded(requestId, sha256, embedding, startNanos);
          }
        });
  }
}
