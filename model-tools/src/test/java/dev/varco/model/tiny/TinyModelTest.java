package dev.varco.model.tiny;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.model.manifest.ModelManifest;
import dev.varco.model.manifest.ModelManifestIO;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyModelTest {
  @TempDir Path work;

  @Test
  void preparesOnceAndReusesTheDirectory() throws Exception {
    Path dir = work.resolve("tiny-model");
    ModelManifest manifest = TinyModel.prepare(dir);
    assertEquals(manifest, ModelManifestIO.read(dir));
    assertTrue(Files.isRegularFile(dir.resolve("vision/encoder.onnx")));
    assertTrue(Files.isDirectory(work.resolve("tiny-model-hf")));
    FileTime written = Files.getLastModifiedTime(dir.resolve("manifest.json"));

    assertEquals(manifest, TinyModel.prepare(dir));
    assertEquals(written, Files.getLastModifiedTime(dir.resolve("manifest.json")), "second call reuses it");

    TinyModel.prepare(dir, 9, (stage, item, percent) -> {});
    assertTrue(TinyModel.isPrepared(dir, 9), "another seed regenerates");
  }

  @Test
  void refusesToOverwriteADirectoryItDidNotMake() throws Exception {
    Path dir = work.resolve("real-model");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("manifest.json"), "{}");
    assertThrows(UncheckedIOException.class, () -> TinyModel.prepare(dir));
    assertEquals("{}", Files.readString(dir.resolve("manifest.json")));
  }

  @Test
  void concurrentCallersForTheSameDirectoryGetOneCompleteModel() throws Exception {
    Path dir = work.resolve("shared");
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<ModelManifest>> results = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        results.add(pool.submit(() -> TinyModel.prepare(dir)));
      }
      ModelManifest first = results.get(0).get();
      for (Future<ModelManifest> result : results) {
        assertEquals(first, result.get());
      }
    } finally {
      pool.shutdown();
    }
    assertTrue(TinyModel.isPrepared(dir, TinyModel.DEFAULT_SEED));
    assertTrue(Files.notExists(work.resolve("shared.staging")), "no half-built directory is left");
  }
}
