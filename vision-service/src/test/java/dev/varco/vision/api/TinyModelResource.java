package dev.varco.vision.api;

import dev.varco.model.tiny.TinyModel;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.util.Map;

/** Prepares the tiny model (once; reused across runs) under target/ and points varco.model.dir at it. */
public class TinyModelResource implements QuarkusTestResourceLifecycleManager {
  static final Path MODEL_DIR = Path.of("target", "tiny-model").toAbsolutePath();

  @Override
  public Map<String, String> start() {
    TinyModel.prepare(MODEL_DIR);
    return Map.of("varco.model.dir", MODEL_DIR.toString());
  }

  @Override
  public void stop() {}
}
