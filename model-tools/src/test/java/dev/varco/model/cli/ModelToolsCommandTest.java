package dev.varco.model.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.model.manifest.ModelManifestIO;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelToolsCommandTest {
  @TempDir Path work;

  @Test
  void generatesAndConvertsThroughTheCommandLine() {
    Path hf = work.resolve("hf");
    Path model = work.resolve("model");
    assertEquals(0, ModelToolsCommand.run(new String[] {"generate-tiny", "--out", hf.toString(), "--seed", "4"}));
    assertTrue(Files.isRegularFile(hf.resolve("model.safetensors")));
    assertEquals(0, ModelToolsCommand.run(new String[] {"convert", "--checkpoint", hf.toString(), "--out",
        model.toString(), "--name", "tiny-cli", "--encoder-variants", "int8", "--decoder-dtype", "q4"}));
    assertTrue(Files.isRegularFile(model.resolve("manifest.json")));
    assertEquals("q4", ModelManifestIO.read(model).llm().weightType());
    assertTrue(Files.isRegularFile(model.resolve("vision/encoder-int8.onnx")));
  }

  @Test
  void exitStatusSaysWhatWentWrong() {
    assertEquals(2, ModelToolsCommand.run(new String[0]));
    assertEquals(2, ModelToolsCommand.run(new String[] {"transmogrify"}));
    assertEquals(2, ModelToolsCommand.run(new String[] {"convert", "--out"}));
    assertEquals(2, ModelToolsCommand.run(new String[] {"convert", "--out", work.toString()}));
    assertEquals(1, ModelToolsCommand.run(new String[] {"convert", "--checkpoint", work.toString(), "--out",
        work.resolve("out").toString()}));
    assertEquals(2, ModelToolsCommand.run(new String[] {"convert", "--checkpoint", work.toString(), "--out",
        work.resolve("out").toString(), "--encoder-variants", "fp8"}));
    assertEquals(2, ModelToolsCommand.run(new String[] {"convert", "--checkpoint", work.toString(), "--out",
        work.resolve("out").toString(), "--decoder-dtype", "fp16"}));
  }
}
