package dev.varco.llm;

import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.tiny.TinyModel;
import java.nio.file.Path;

/** The tiny VARCO model directory (real Qwen tokenizer, tiny Qwen2 decoder), generated once under target/. */
public final class TinyModelDirectory {
  public static final Path PATH = Path.of("target", "tiny-model").toAbsolutePath();

  private TinyModelDirectory() {}

  /** Prepares the directory if needed (idempotent, safe across test JVMs) and returns its manifest. */
  public static ModelManifest prepare() {
    return TinyModel.prepare(PATH);
  }

  public static Path llmDir() {
    return PATH.resolve(prepare().llm().dir());
  }
}
