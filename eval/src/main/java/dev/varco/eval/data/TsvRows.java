package dev.varco.eval.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * VLMEvalKit's benchmark TSV (what pandas' {@code to_csv(sep='\t')} writes): a header row, one row
 * per question, fields quoted with {@code "} when they hold a tab, a quote or a line break
 * ({@code ""} inside), the image as base64. VLMEvalKit stores an image once: a row whose
 * {@code image} is short (64 characters or fewer) names the {@code index} of an earlier row whose
 * image it shares, as circular copies of a question do.
 */
public final class TsvRows implements RowSource {
  private static final int IMAGE_REFERENCE_MAX = 64;

  private final Path file;
  private final List<String> header;
  private final long rows;
  /** Indexes other rows take their image from: only these images are kept while reading. */
  private final java.util.Set<String> referenced = new java.util.HashSet<>();

  public TsvRows(Path file) {
    this.file = file;
    if (!Files.isRegularFile(file)) {
      throw new DatasetException(file + ": no such file");
    }
    List<String> firstRow = null;
    long count = 0;
    try (Parser parser = new Parser(file)) {
      Record record;
      while ((record = parser.next()) != null) {
        if (firstRow == null) {
          firstRow = record.fields;
        } else {
          check(record, firstRow.size());
          count++;
          int imageColumn = firstRow.indexOf("image");
          if (imageColumn >= 0 && record.fields.get(imageColumn).length() <= IMAGE_REFERENCE_MAX) {
            referenced.add(record.fields.get(imageColumn).trim());
          }
        }
      }
    } catch (IOException e) {
      throw new DatasetException(file + ": " + describe(e), e);
    }
    if (firstRow == null) {
      throw new DatasetException(file + ": empty file (no header row)");
    }
    this.header = firstRow;
    this.rows = count;
  }

  @Override
  public long rowCount() {
    return rows;
  }

  @Override
  public List<String> columns() {
    return header;
  }

  @Override
  public void forEach(Predicate<Map<String, Object>> visitor) {
    Map<String, String> imagesByIndex = new HashMap<>();
    int indexColumn = header.indexOf("index");
    int imageColumn = header.indexOf("image");
    try (Parser parser = new Parser(file)) {
      parser.next();
      Record record;
      while ((record = parser.next()) != null) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < header.size(); i++) {
          row.put(header.get(i), record.fields.get(i));
        }
        if (imageColumn >= 0) {
          String image = record.fields.get(imageColumn);
          if (image != null && image.length() <= IMAGE_REFERENCE_MAX) {
            String shared = imagesByIndex.get(image.trim());
            if (shared == null) {
              throw new DatasetException(file + ": line " + record.line + ": image refers to index '" + image.trim()
                  + "', which no earlier row has");
            }
            row.put("image", shared);
          } else if (indexColumn >= 0 && image != null && referenced.contains(record.fields.get(indexColumn))) {
            imagesByIndex.put(record.fields.get(indexColumn), image);
          }
        }
        if (!visitor.test(row)) {
          return;
        }
      }
    } catch (IOException e) {
      throw new DatasetException(file + ": " + describe(e), e);
    }
  }

  private void check(Record record, int columns) {
    if (record.fields.size() != columns) {
      throw new DatasetException(file + ": line " + record.line + " has " + record.fields.size() + " fields, the header "
          + columns + (record.unterminated ? " (a quoted field never ends: the file is truncated)" : " (truncated or not a VLMEvalKit TSV)"));
    }
    if (record.unterminated) {
      throw new DatasetException(file + ": line " + record.line + ": a quoted field never ends (the file is truncated)");
    }
  }

  private static String describe(IOException e) {
    return e instanceof CharacterCodingException ? "not UTF-8 text (is it a TSV?)" : e.getMessage();
  }

  private static BufferedReader open(Path file) throws IOException {
    var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    return new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file), decoder), 1 << 16);
  }

  private record Record(List<String> fields, long line, boolean unterminated) {}

  /** Reads records one at a time, counting physical lines for error messages. */
  private static final class Parser implements AutoCloseable {
    private final BufferedReader reader;
    private long lineNumber;

    Parser(Path file) throws IOException {
      this.reader = open(file);
    }

    @Override
    public void close() throws IOException {
      reader.close();
    }

    /** One record, which may span several lines inside quotes; null at the end of the file. */
    Record next() throws IOException {
      String line = reader.readLine();
      if (line == null) {
        return null;
      }
      lineNumber++;
      long start = lineNumber;
      List<String> fields = new ArrayList<>();
      StringBuilder field = new StringBuilder();
      boolean quoted = false;
      boolean fieldStart = true;
      int i = 0;
      while (true) {
        if (i >= line.length()) {
          if (quoted) {
            String more = reader.readLine();
            if (more == null) {
              fields.add(field.toString());
              return new Record(fields, start, true);
            }
            lineNumber++;
            field.append('\n');
            line = more;
            i = 0;
            continue;
          }
          fields.add(field.toString());
          return new Record(fields, start, false);
        }
        char c = line.charAt(i++);
        if (quoted) {
          if (c == '"') {
            if (i < line.length() && line.charAt(i) == '"') {
              field.append('"');
              i++;
            } else {
              quoted = false;
            }
          } else {
            field.append(c);
          }
        } else if (c == '\t') {
          fields.add(field.toString());
          field.setLength(0);
          fieldStart = true;
          continue;
        } else if (c == '"' && fieldStart) {
          quoted = true;
        } else {
          field.append(c);
        }
        fieldStart = false;
      }
    }
  }
}
