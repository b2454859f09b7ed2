package dev.varco.eval.data;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Small benchmark files in exactly the published layouts, written by the tests (the real sets
 * cannot be fetched here): Hugging Face parquet as {@code datasets} writes it (strings as
 * UTF8-annotated binary, integers as int64, the image as a {@code {bytes, path}} struct, Snappy
 * pages) through parquet-java, and VLMEvalKit TSV as pandas writes it.
 */
public final class SyntheticSets {
  private SyntheticSets() {}

  /** The parquet schema of each set's Hugging Face file. */
  public static MessageType schema(Benchmark benchmark) {
    String image = "optional group image { optional binary bytes; optional binary path (STRING); }";
    String body = switch (benchmark) {
      case K_MMBENCH -> "optional int64 index; optional binary question (STRING); optional binary hint (STRING);"
          + " optional binary A (STRING); optional binary B (STRING); optional binary C (STRING); optional binary D (STRING);"
          + " optional binary answer (STRING); optional binary category (STRING); " + image
          + " optional binary source (STRING); optional binary l2-category (STRING); optional binary comment (STRING);"
          + " optional binary split (STRING);";
      case K_SEED -> "optional binary question_id (STRING); optional binary question (STRING);"
          + " optional binary choice_a (STRING); optional binary choice_b (STRING); optional binary choice_c (STRING);"
          + " optional binary choice_d (STRING); optional binary answer (STRING); optional int64 question_type_id; " + image;
      case K_MMSTAR -> "optional int64 index; optional binary question (STRING); " + image
          + " optional binary answer (STRING); optional binary category (STRING); optional binary l2_category (STRING);";
      case K_DTCBENCH -> "optional int64 index; optional binary question (STRING); optional binary choice_a (STRING);"
          + " optional binary choice_b (STRING); optional binary choice_c (STRING); optional binary choice_d (STRING);"
          + " optional binary answer (STRING); optional binary category (STRING); " + image;
      case K_LLAVA_W -> "optional int64 question_id; optional binary question (STRING); " + image
          + " optional binary caption (STRING); optional binary gpt_answer (STRING); optional binary category (STRING);";
    };
    return MessageTypeParser.parseMessageType("message schema { " + body + " }");
  }

  /**
   * n rows of a set in its parquet column names: options "선택지 k-X", answers cycling A, B, C, D
   * from the item number, two categories, a different small PNG per row.
   */
  public static List<Map<String, Object>> rows(Benchmark benchmark, int n) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int k = 0; k < n; k++) {
      Map<String, Object> row = new LinkedHashMap<>();
      String answer = String.valueOf("ABCD".charAt(k % 4));
      String category = k % 2 == 0 ? "attribute_recognition" : "image_scene";
      Map<String, Object> image = Map.of("bytes", png(48 + k, 32 + k), "path", k + ".png");
      switch (benchmark) {
        case K_MMBENCH -> {
          row.put("index", (long) k);
          row.put("question", "이미지 속 물체의 색은 무엇입니까? (" + k + ")");
          row.put("hint", k % 3 == 0 ? "사진은 실내에서 찍었습니다." : null);
          for (char l : "ABCD".toCharArray()) {
            row.put(String.valueOf(l), "선택지 " + k + "-" + l);
          }
          row.put("answer", answer);
          row.put("category", category);
          row.put("image", image);
          row.put("source", "synthetic");
          row.put("l2-category", "perception");
          row.put("comment", null);
          row.put("split", "dev");
        }
        case K_SEED, K_DTCBENCH -> {
          row.put(benchmark == Benchmark.K_SEED ? "question_id" : "index", benchmark == Benchmark.K_SEED ? "q" + k : (Object) (long) k);
          row.put("question", "표에서 가장 큰 값은 무엇입니까? (" + k + ")");
          for (char l : "abcd".toCharArray()) {
            row.put("choice_" + l, "선택지 " + k + "-" + Character.toUpperCase(l));
          }
          row.put("answer", answer);
          if (benchmark == Benchmark.K_SEED) {
            row.put("question_type_id", (long) (k % 2 + 1));
          } else {
            row.put("category", k % 2 == 0 ? "table" : "chart");
          }
          row.put("image", image);
        }
        case K_MMSTAR -> {
          row.put("index", (long) k);
          row.put("question", "<image>\n이 그림에서 몇 마리의 고양이가 있습니까?\nOptions: A: " + k + "마리, B: " + (k + 1)
              + "마리, C: " + (k + 2) + "마리, D: " + (k + 3) + "마리");
          row.put("image", image);
          row.put("answer", answer);
          row.put("category", k % 2 == 0 ? "coarse perception" : "math");
          row.put("l2_category", "counting");
        }
        case K_LLAVA_W -> {
          row.put("question_id", (long) k);
          row.put("question", "이 사진을 자세히 설명해 주세요. (" + k + ")");
          row.put("image", image);
          row.put("caption", "탁자 위에 빨간 사과가 놓여 있다.");
          row.put("gpt_answer", "사진에는 탁자 위에 빨간 사과 한 개가 놓여 있습니다.");
          row.put("category", k % 3 == 0 ? "conv" : k % 3 == 1 ? "detail" : "complex");
        }
      }
      rows.add(row);
    }
    return rows;
  }

  /** Writes rows as one Snappy-compressed parquet file with the set's schema. */
  public static Path parquet(Path file, Benchmark benchmark, List<Map<String, Object>> rows) {
    MessageType schema = schema(benchmark);
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.deleteIfExists(file);
      try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
          .withConf(new PlainParquetConfiguration()).withType(schema).withCompressionCodec(CompressionCodecName.SNAPPY).build()) {
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        for (Map<String, Object> row : rows) {
          Group group = groups.newGroup();
          for (var cell : row.entrySet()) {
            Object value = cell.getValue();
            if (value == null) {
              continue;
            }
            if (value instanceof Map<?, ?> struct) {
              Group nested = group.addGroup(cell.getKey());
              nested.append("bytes", Binary.fromConstantByteArray((byte[]) struct.get("bytes")));
              nested.append("path", (String) struct.get("path"));
            } else if (value instanceof Long number) {
              group.append(cell.getKey(), number);
            } else {
              group.append(cell.getKey(), value.toString());
            }
          }
          writer.write(group);
        }
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Writes rows as VLMEvalKit's TSV: columns {@code index, question, hint, A..D, answer, category,
   * image} (base64), fields quoted as pandas quotes them.
   */
  public static Path tsv(Path file, List<Map<String, Object>> rows) {
    List<String> header = List.of("index", "question", "hint", "A", "B", "C", "D", "answer", "category", "image");
    StringBuilder out = new StringBuilder(String.join("\t", header)).append('\n');
    for (Map<String, Object> row : rows) {
      List<String> fields = new ArrayList<>();
      for (String column : header) {
        Object value = switch (column) {
          case "index" -> row.getOrDefault("index", row.get("question_id"));
          case "A", "B", "C", "D" -> row.getOrDefault(column, row.get("choice_" + column.toLowerCase()));
          case "image" -> row.get("image") instanceof Map<?, ?> m ? Base64.getEncoder().encodeToString((byte[]) m.get("bytes")) : row.get("image");
          default -> row.get(column);
        };
        fields.add(quote(value == null ? "nan" : value.toString()));
      }
      out.append(String.join("\t", fields)).append('\n');
    }
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, out, StandardCharsets.UTF_8);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** pandas' QUOTE_MINIMAL: quote a field holding a tab, a quote or a line break. */
  static String quote(String field) {
    return field.contains("\t") || field.contains("\"") || field.contains("\n") || field.contains("\r")
        ? "\"" + field.replace("\"", "\"\"") + "\"" : field;
  }

  public static byte[] png(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(new Color(width * 5 % 256, height * 7 % 256, 120));
    g.fillRect(0, 0, width, height);
    g.setColor(Color.WHITE);
    g.fillOval(width / 4, height / 4, width / 2, height / 2);
    g.dispose();
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      ImageIO.write(image, "png", bytes);
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
