package dev.varco.eval.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.eval.data.Benchmark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code run.json} in the output folder: which benchmark and file its items belong to, so resuming
 * into a folder of another benchmark's run is refused instead of mixing two sets' answers.
 */
final class RunInfo {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RunInfo() {}

  static void checkOrWrite(Path outDir, Benchmark benchmark, String source) throws IOException {
    Path file = outDir.resolve("run.json");
    if (Files.exists(file)) {
      JsonNode info = JSON.readTree(file.toFile());
      String earlier = info.path("benchmark").asText();
      if (!earlier.equals(benchmark.cliName)) {
        throw new IOException(outDir + " holds a " + earlier + " run; give this " + benchmark.cliName + " run another --out");
      }
      return;
    }
    Files.createDirectories(outDir);
    JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(),
        JSON.createObjectNode().put("benchmark", benchmark.cliName).put("data", source));
  }
}
