package dev.varco.vision.api;

import com.google.protobuf.ByteString;
import dev.varco.proto.vision.v1.EmbeddingDType;
import dev.varco.proto.vision.v1.EmbeddingHeader;
import dev.varco.proto.vision.v1.EncodeResponse;
import dev.varco.vision.engine.ImageEmbedding;
import io.grpc.stub.ServerCallStreamObserver;

/** Writes one embedding as the contract's stream: the header, then payload chunks of at most 1 MiB. */
final class EmbeddingStream {
  static final int MAX_CHUNK_BYTES = 1 << 20;

  private EmbeddingStream() {}

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

  /** Sends everything unless the caller has gone away meanwhile. */
  static void send(ImageEmbedding embedding, String sha256, ServerCallStreamObserver<EncodeResponse> observer) {
    if (observer.isCancelled()) {
      return;
    }
    observer.onNext(EncodeResponse.newBuilder().setHeader(header(embedding, sha256)).build());
    byte[] payload = embedding.float16Payload();
    for (int offset = 0; offset < payload.length && !observer.isCancelled(); offset += MAX_CHUNK_BYTES) {
      int length = Math.min(MAX_CHUNK_BYTES, payload.length - offset);
      observer.onNext(EncodeResponse.newBuilder().setChunk(ByteString.copyFrom(payload, offset, length)).build());
    }
    if (!observer.isCancelled()) {
      observer.onCompleted();
    }
  }
}
