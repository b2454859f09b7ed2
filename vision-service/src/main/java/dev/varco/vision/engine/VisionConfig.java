package dev.varco.vision.engine;

import dev.varco.vision.encoder.ExecutionProvider;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** {@code varco.vision.*}: image limits, encoder runtime and queueing. See the module README. */
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

  /** auto | cpu. */
  @WithDefault("auto")
  ExecutionProvider executionProvider();

  /** ONNX Runtime intra-op threads per graph run; 0 = one per core. */
  @WithDefault("0")
  int intraOpThreads();

  /** Tiles per encoder graph run. */
  @WithDefault("1")
  int encoderBatchSize();

  /** Images encoded concurrently (each uses intra-op-threads). */
  @WithDefault("1")
  int workers();

  /** Images allowed to wait for a worker; beyond that requests get RESOURCE_EXHAUSTED. */
  @WithDefault("16")
  int queueCapacity();
}
