package dev.varco.eval.data;

import java.util.Map;
import java.util.function.Predicate;

/**
 * The rows of one published benchmark file (or a folder of shards), read one at a time so a set
 * of several hundred MB of images never sits in memory whole. A row maps column names to String,
 * Long, Double, Boolean, byte[], nested Map (a struct such as Hugging Face's image) or List.
 */
public interface RowSource {
  /** Rows in the source (from the file's metadata where the format has it). */
  long rowCount();

  /** The column names of the first file, in file order. */
  java.util.List<String> columns();

  /** Visits rows in file order until the visitor returns false or the rows end. */
  void forEach(Predicate<Map<String, Object>> visitor);
}
