package dev.varco.vision.engine;

import dev.varco.model.manifest.EncoderPrecision;
import dev.varco.vision.encoder.ExecutionProvider;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** {@code varco.vision.*}: image limits, encoder runtime, batching, caching and streaming. See the module README. */
@ConfigMapping(prefix = "varco.vision")
public interface VisionConfig {
  /** Largest accepted image file. Keep quarkus.grpc.server.max-inbound-message-size above it. */
  @WithDefault("20971520")
  long maxImageBytes();

  /** Largest accepted width * height, checked from the file header before decoding. */
  @WithDefault("33554432")
  long maxImagePixels();

  /** Largest accepted width or height. */
  @WithDefault("8192")
  int maxImageSide();

  /** Largest accepted long side / short side, checked from the file header. */
  @WithDefault("200")
  double maxImageAspectRatio();

  /**
   * Decoded pixels per second across all requests (a token bucket charged from each image's header
   * at admission); an image larger than decode-pixels-always-admitted that finds the budget spent
   * gets RESOURCE_EXHAUSTED. 0 turns the budget off.
   */
  @WithDefault("8388608")
  long decodePixelsPerSecond();

  /** Most pixels the decode budget holds at once (its burst); at least max-image-pixels. */
  @WithDefault("33554432")
  long decodePixelsBurst();

  /**
   * Images of at most this many pixels are admitted even when the decode budget is spent (they are
   * still charged, so they delay larger ones). Default: the largest anyres canvas, 2304x2304.
   */
  @WithDefault("5308416")
  long decodePixelsAlwaysAdmitted();

  /**
   * Longest time one image may spend being decoded, resized and tiled; decoding stops within a few
   * rows once it is spent (RESOURCE_EXHAUSTED). 0 = no limit.
   */
  @WithDefault("10s")
  Duration maxDecodeTime();

  /** auto | cpu | cuda: auto tries CUDA and falls back to the CPU; cuda fails start-up when CUDA cannot load. */
  @WithDefault("auto")
  ExecutionProvider executionProvider();

  /** fp32 | int8: which encoder graph of the model directory runs (int8 must have been converted). */
  @WithDefault("fp32")
  EncoderPrecision encoderPrecision();

  /** ONNX Runtime session.intra_op.allow_spinning: idle threads busy-wait (only worth it on dedicated cores). */
  @WithDefault("false")
  boolean allowSpinning();

  /** ONNX Runtime intra-op threads per graph run; 0 = one per core. */
  @WithDefault("0")
  int intraOpThreads();

  /** Tiles per encoder graph run; a larger cross-request batch is run as several graph runs. */
  @WithDefault("1")
  int encoderBatchSize();

  /** Threads that decode and tile images, and as many that pack encoder output. */
  @WithDefault("1")
  int workers();

  /** Images allowed to wait for a worker; beyond that requests get RESOURCE_EXHAUSTED. */
  @WithDefault("16")
  int queueCapacity();

  /** How long the encoder thread waits for more tiles (from any request) before running a batch that is not full. */
  @WithDefault("5ms")
  Duration batchWindow();

  /** Most tiles in one encoder batch; tiles of several requests share a batch, one request's tiles may span batches. */
  @WithDefault("16")
  int maxBatchTiles();

  /** Bytes of packed fp16 embeddings kept in the LRU cache; 0 disables the cache. */
  @WithDefault("536870912")
  long cacheMaxBytes();

  /** Largest payload chunk on the gRPC stream (the contract allows at most 1 MiB). */
  @WithDefault("1048576")
  int streamChunkBytes();
}
