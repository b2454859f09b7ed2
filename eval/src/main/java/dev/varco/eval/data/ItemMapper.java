package dev.varco.eval.data;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a row of a published file into an {@link Item}. The column names are those of NCSOFT's
 * Hugging Face parquet files and of VLMEvalKit's TSVs for the same sets:
 *
 * <ul>
 *   <li>K-MMBench: {@code index, question, hint, A, B, C, D, answer, category, image, source,
 *       l2-category, comment, split}
 *   <li>K-SEED: {@code question_id, question, choice_a..choice_d, answer, question_type_id, image}
 *       (VLMEvalKit: {@code index, question, A..D, answer, category, image})
 *   <li>K-MMStar: {@code index, question} (options written inside it), {@code answer, category,
 *       l2_category, image} (VLMEvalKit may add {@code A..D})
 *   <li>K-DTCBench: {@code index, question, choice_a..choice_d, answer, category, image}
 *   <li>K-LLaVA-W: {@code question_id, question, caption, gpt_answer, category, image}
 * </ul>
 *
 * Parquet images are Hugging Face's {@code {bytes, path}} struct; TSV images are base64 text.
 */
public final class ItemMapper {
  private static final List<String> ID_COLUMNS = List.of("index", "question_id", "id", "data_id");
  private static final String LETTERS = "ABCDE";
  /** SEED-Bench's nine image dimensions, numbered as its question_type_id. */
  private static final List<String> SEED_DIMENSIONS = List.of("Scene Understanding", "Instance Identity",
      "Instance Attributes", "Instance Location", "Instances Counting", "Spatial Relation", "Instance Interaction",
      "Visual Reasoning", "Text Understanding");
  /** "Options: A: 10, B: 12" as MMStar writes the options into its questions. */
  private static final Pattern INLINE_OPTION = Pattern.compile("(?:^|[\\s,(])([A-E])\\s*[:.]\\s*(.*?)(?=,\\s*[A-E]\\s*[:.]|\\n|$)");

  private final Benchmark benchmark;
  private final String source;

  public ItemMapper(Benchmark benchmark, String source, List<String> columns) {
    this.benchmark = benchmark;
    this.source = source;
    List<String> missing = new ArrayList<>();
    if (ID_COLUMNS.stream().noneMatch(columns::contains)) {
      missing.add("index or question_id");
    }
    for (String required : required()) {
      if (!columns.contains(required)) {
        missing.add(required);
      }
    }
    if (benchmark.multipleChoice() && benchmark != Benchmark.K_MMSTAR && !columns.contains("A") && !columns.contains("choice_a")) {
      missing.add("A..D or choice_a..choice_d");
    }
    if (!missing.isEmpty()) {
      throw new DatasetException(source + " is not a " + benchmark.title + " file: it lacks " + String.join(", ", missing)
          + " (its columns: " + String.join(", ", columns) + ")");
    }
  }

  private List<String> required() {
    return benchmark == Benchmark.K_LLAVA_W
        ? List.of("question", "image", "caption", "gpt_answer")
        : List.of("question", "image", "answer");
  }

  public Item map(Map<String, Object> row) {
    String id = ID_COLUMNS.stream().map(row::get).filter(v -> v != null).map(ItemMapper::text).findFirst().orElse("");
    String question = text(row.get("question"));
    if (question == null) {
      throw new DatasetException(source + ": question " + id + " has no question text");
    }
    question = question.replaceFirst("^\\s*<image>\\s*", "");
    Map<String, String> options = options(row, question);
    String answer = null;
    if (benchmark.multipleChoice()) {
      answer = answerLetter(text(row.get("answer")), options, id);
    }
    return new Item(id, question, text(row.get("hint")), options, answer, category(row), image(row.get("image"), id),
        text(row.get("caption")), text(row.get("gpt_answer")));
  }

  private Map<String, String> options(Map<String, Object> row, String question) {
    Map<String, String> options = new LinkedHashMap<>();
    for (char letter : LETTERS.toCharArray()) {
      String value = text(row.containsKey(String.valueOf(letter)) ? row.get(String.valueOf(letter))
          : row.get("choice_" + Character.toLowerCase(letter)));
      if (value != null) {
        options.put(String.valueOf(letter), value.strip());
      }
    }
    if (options.isEmpty() && benchmark == Benchmark.K_MMSTAR) {
      Matcher m = INLINE_OPTION.matcher(question.substring(Math.max(0, question.lastIndexOf("Options"))));
      while (m.find()) {
        options.putIfAbsent(m.group(1), m.group(2).strip());
      }
    }
    return options;
  }

  private String answerLetter(String answer, Map<String, String> options, String id) {
    if (answer == null || answer.isBlank()) {
      throw new DatasetException(source + ": question " + id + " has no answer");
    }
    String trimmed = answer.strip();
    String letter = trimmed.substring(0, 1).toUpperCase(Locale.ROOT);
    if (trimmed.length() == 1 && LETTERS.contains(letter)) {
      if (!options.isEmpty() && benchmark != Benchmark.K_MMSTAR && !options.containsKey(letter)) {
        throw new DatasetException(source + ": question " + id + ": answer " + letter + " is not one of its options "
            + String.join("", options.keySet()));
      }
      return letter;
    }
    for (var option : options.entrySet()) {
      if (option.getValue().equals(trimmed)) {
        return option.getKey();
      }
    }
    throw new DatasetException(source + ": question " + id + ": answer '" + trimmed + "' is neither an option letter nor an option's text");
  }

  private static String category(Map<String, Object> row) {
    String category = text(row.get("category"));
    if (category != null) {
      return category;
    }
    String type = text(row.get("question_type_id"));
    if (type != null && type.matches("\\d+")) {
      int n = Integer.parseInt(type);
      return n >= 1 && n <= SEED_DIMENSIONS.size() ? SEED_DIMENSIONS.get(n - 1) : type;
    }
    return type == null ? "" : type;
  }

  private byte[] image(Object value, String id) {
    Object v = value instanceof List<?> list && !list.isEmpty() ? list.getFirst() : value;
    if (v instanceof Map<?, ?> struct) {
      v = struct.get("bytes");
    }
    if (v instanceof byte[] bytes && bytes.length > 0) {
      return bytes;
    }
    if (v instanceof String base64 && !base64.isBlank()) {
      try {
        return Base64.getMimeDecoder().decode(base64.strip());
      } catch (IllegalArgumentException e) {
        throw new DatasetException(source + ": question " + id + ": the image is not base64 (" + e.getMessage() + ")");
      }
    }
    throw new DatasetException(source + ": question " + id + " has no image bytes");
  }

  /** Text of a cell; pandas writes missing values as NaN, which reach TSVs as "nan". */
  static String text(Object value) {
    if (value == null) {
      return null;
    }
    String s = value instanceof Double d && d == Math.rint(d) ? Long.toString(d.longValue()) : value.toString();
    return s.isEmpty() || s.equals("nan") || s.equals("NaN") || s.equals("None") ? null : s;
  }
}
