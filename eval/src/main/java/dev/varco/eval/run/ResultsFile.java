package dev.varco.eval.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The run's {@code items.jsonl}, appended one flushed line per finished item, so a run stopped at
 * any moment (Ctrl-C, a crash, a lost machine) keeps everything it finished. On opening, a last
 * line cut off mid-write is dropped; the latest line of an id wins.
 */
public final class ResultsFile implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path path;
  private final Map<String, ItemResult> latest = new LinkedHashMap<>();
  private Writer writer;

  public ResultsFile(Path path) throws IOException {
    this.path = path;
    if (Files.exists(path)) {
      dropPartialLastLine(path);
      long lineNo = 0;
      for (String line : Files.readAllLines(path, StandardCharsets.UTF_8)) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        try {
          ItemResult result = JSON.readValue(line, ItemResult.class);
          latest.put(result.id(), result);
        } catch (JsonProcessingException e) {
          throw new IOException(path + ": line " + lineNo + " is not an item result (" + e.getOriginalMessage()
              + "); move the file away to start over");
        }
      }
    }
  }

  /** The latest line of an id, or null. */
  public synchronized ItemResult get(String id) {
    return latest.get(id);
  }

  /** Every id's latest line, in first-seen order (a copy). */
  public synchronized Map<String, ItemResult> latest() {
    return new LinkedHashMap<>(latest);
  }

  public synchronized void append(ItemResult result) throws IOException {
    if (writer == null) {
      Files.createDirectories(path.toAbsolutePath().getParent());
      writer = Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
    writer.write(JSON.writeValueAsString(result));
    writer.write('\n');
    writer.flush();
    latest.put(result.id(), result);
  }

  @Override
  public synchronized void close() throws IOException {
    if (writer != null) {
      writer.close();
    }
  }

  private static void dropPartialLastLine(Path path) throws IOException {
    try (RandomAccessFile file = new RandomAccessFile(path.toFile(), "rw")) {
      long end = file.length();
      long keep = end;
      while (keep > 0) {
        file.seek(keep - 1);
        if (file.read() == '\n') {
          break;
        }
        keep--;
      }
      if (keep != end) {
        file.setLength(keep);
      }
    }
  }
}
