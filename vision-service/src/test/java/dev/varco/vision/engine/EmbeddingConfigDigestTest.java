package dev.varco.vision.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.varco.model.tiny.TinyModel;
import dev.varco.vision.encoder.EncoderOptions;
import dev.varco.vision.encoder.ExecutionProvider;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EmbeddingConfigDigestTest {
  private static final Path MODEL_DIR = Path.of("target", "tiny-model").toAbsolutePath();

  @Test
  void sameModelAndOptionsGiveTheSameDigestAndChangedOptionsAnother() {
    TinyModel.prepare(MODEL_DIR);
    EncoderOptions options = new EncoderOptions(ExecutionProvider.CPU, 1, 1);
    assertEquals(EmbeddingConfigDigest.of(MODEL_DIR, options), EmbeddingConfigDigest.of(MODEL_DIR, options));
    assertNotEquals(EmbeddingConfigDigest.of(MODEL_DIR, options),
        EmbeddingConfigDigest.of(MODEL_DIR, new EncoderOptions(ExecutionProvider.CPU, 1, 4)));
  }
}
