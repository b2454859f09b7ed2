package dev.varco.eval.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Opens what {@code --data} names: a {@code .parquet} file, a {@code .tsv} file, or a folder (a
 * downloaded dataset repository) whose parquet shards are read in name order.
 */
public final class DatasetFiles {
  private DatasetFiles() {}

  public static RowSource open(Path path) {
    if (Files.isDirectory(path)) {
      List<Path> shards;
      try (Stream<Path> files = Files.walk(path)) {
        shards = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().toList();
      } catch (IOException e) {
        throw new DatasetException(path + ": cannot list the folder: " + e.getMessage(), e);
      }
      if (shards.isEmpty()) {
        throw new DatasetException(path + ": no .parquet files in this folder");
      }
      return new ParquetRows(shards);
    }
    String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    if (name.endsWith(".parquet")) {
      return new ParquetRows(List.of(path));
    }
    if (name.endsWith(".tsv")) {
      return new TsvRows(path);
    }
    throw new DatasetException(path + ": expected a .parquet file, a .tsv file (VLMEvalKit) or a folder of parquet shards");
  }
}
