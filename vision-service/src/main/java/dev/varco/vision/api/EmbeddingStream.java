package dev.varco.vision.api;

import com.google.protobuf.UnsafeByteOperations;
import dev.varco.proto.vision.v1.EmbeddingDType;
import dev.varco.proto.vision.v1.EmbeddingHeader;
import dev.varco.proto.vision.v1.EncodeResponse;
import dev.varco.vision.engine.ImageEmbedding;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.micrometer.core.instrument.Counter;

/**
 * Writes one embedding as the contract's stream (the header, then payload chunks) with gRPC flow
 * control: a message goes out only while the transport is ready, and the rest follows from the
 * call's on-ready handler as the client consumes. So a 75 MB payload is never queued in Netty at
 * once, and the thread that finished the embedding never blocks on a slow client.
 */
final class EmbeddingStream {
  /** The contract's limit for one chunk. */
  static final int MAX_CHUNK_BYTES = 1 << 20;

  private final ServerCallStreamObserver<EncodeResponse> observer;
  private final int chunkBytes;
  private final Counter flowControlPauses;
  private ImageEmbedding embedding;
  private String sha256;
  private int sentChunks;
  private boolean headerSent;
  private boolean finished;

  /** Must be created while the service method runs: gRPC accepts the on-ready handler only then. */
  EmbeddingStream(ServerCallStreamObserver<EncodeResponse> observer, int chunkBytes, Counter flowControlPauses) {
    if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException("chunk size must be 1.." + MAX_CHUNK_BYTES + " bytes, got " + chunkBytes);
    }
    this.observer = observer;
    this.chunkBytes = chunkBytes;
    this.flowControlPauses = flowControlPauses;
    observer.setOnReadyHandler(this::sendWhileReady);
  }

  static EmbeddingHeader header(ImageEmbedding embedding, String sha256) {
    return EmbeddingHeader.newBuilder()
        .setTokenCount(embedding.tokenCount())
        .setHiddenSize(embedding.hiddenSize())
        .setDtype(EmbeddingDType.EMBEDDING_D_TYPE_FLOAT16)
        .setSha256(sha256)
        .setImageWidth(embedding.imageWidth())
        .setImageHeight(embedding.imageHeight())
        .setGridHeight(embedding.canvas().height())
        .setGridWidth(embedding.canvas().width())
        .setTileCount(embedding.gridTileCount())
        .setPayloadBytes(embedding.float16Payload().length)
        .build();
  }

  /** Starts sending; returns once the transport stops being ready (or everything is sent). */
  synchronized void send(ImageEmbedding embedding, String sha256) {
    this.embedding = embedding;
    this.sha256 = sha256;
    sendWhileReady();
  }

  synchronized void fail(StatusRuntimeException status) {
    if (!finished && !observer.isCancelled()) {
      finished = true;
      observer.onError(status);
    }
  }

  /** Runs on the thread that completed the embedding, then on gRPC's on-ready callbacks; never concurrently. */
  private synchronized void sendWhileReady() {
    if (embedding == null || finished) {
      return;
    }
    if (observer.isCancelled()) {
      finished = true;
      return;
    }
    byte[] payload = embedding.float16Payload();
    int chunks = (payload.length + chunkBytes - 1) / chunkBytes;
    while (observer.isReady() && (!headerSent || sentChunks < chunks)) {
      if (!headerSent) {
        observer.onNext(EncodeResponse.newBuilder().setHeader(header(embedding, sha256)).build());
        headerSent = true;
      } else {
        int offset = sentChunks * chunkBytes;
        int length = Math.min(chunkBytes, payload.length - offset);
        // The payload is never modified (it may be shared through the cache): wrapping it saves a copy.
        observer.onNext(EncodeResponse.newBuilder()
            .setChunk(UnsafeByteOperations.unsafeWrap(payload, offset, length)).build());
        sentChunks++;
      }
    }
    if (headerSent && sentChunks == chunks) {
      finished = true;
      observer.onCompleted();
    } else {
      flowControlPauses.increment();
    }
  }
}
