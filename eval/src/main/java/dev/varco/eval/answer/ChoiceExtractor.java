package dev.varco.eval.answer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which option a free-text answer picks. The rules, tried in this order, the first that gives a
 * letter wins (letters count only if the question has that option):
 *
 * <ol>
 *   <li><b>letter</b>: the answer, or its first line, is just a letter: {@code B}, {@code (B)},
 *       {@code B.}, {@code **B**}, full-width {@code Ｂ}.
 *   <li><b>leading</b>: it starts with a letter and a delimiter: {@code B. 고양이}, {@code B) ...},
 *       {@code (B) ...}, {@code B: ...}, or a letter, a space and non-Latin text ({@code B 고양이});
 *       not {@code A cat ...}.
 *   <li><b>phrase</b>: a cue word before the letter: {@code 정답은 B}, {@code 답: (C)},
 *       {@code 옵션 B}, {@code 선택지 D}, {@code 보기 A}, {@code Answer: B}, {@code The answer is C}.
 *   <li><b>suffix</b>: the letter before a Korean copula or counter: {@code B입니다}, {@code C번},
 *       {@code D가 정답}, {@code A가 맞습니다}.
 *   <li><b>text</b>: the answer is an option's text, or contains exactly one option's text (or
 *       several, all inside the longest one, which is taken).
 *   <li><b>lone</b>: exactly one distinct option letter stands alone in the answer (no Latin letter
 *       or digit beside it; {@code A} followed by an English word is the article, not a letter).
 * </ol>
 *
 * Anything else (no letter, two different letters in the same rule, or a hedge such as
 * {@code 정답은 A 또는 C}) gives no choice, which
 * scores as wrong: a model that does not answer the question has not got it right.
 */
public final class ChoiceExtractor {
  /** A letter chosen and the rule that chose it; letter null when none did. */
  public record Choice(String letter, String rule) {
    public static final Choice NONE = new Choice(null, "none");
  }

  private static final String DEFAULT_LETTERS = "ABCD";
  private static final Pattern BARE = Pattern.compile("^[(\\[]?([A-E])[)\\]]?[.:)]?$");
  private static final Pattern LEADING = Pattern.compile("^[(\\[]?([A-E])(?:[)\\]]|[.:,]|\\s+(?=[^\\sA-Za-z]))");
  private static final Pattern PHRASE = Pattern.compile(
      "(?:정답|답|옵션|선택지|보기|(?i:answer|option|choice))(?:\\s*(?:은|는|은요|(?i:is)))?\\s*[:]?\\s*[(\\[]?([A-E])(?![A-Za-z])");
  private static final Pattern SUFFIX = Pattern.compile(
      "(?<![A-Za-z0-9])([A-E])\\s*[)\\]]?\\s*(?:번|입니다|이다|이에요|예요|가 정답|이 정답|가 맞|이 맞|를 선택|을 선택)");
  /** "A 또는 C", "B or D": the answer names two options, which picks none. */
  private static final Pattern HEDGE = Pattern.compile("\\s*(?:또는|혹은|이나|나|와|과|,|/|(?i:or|and))\\s*[(\\[]?[A-E](?![A-Za-z])");
  private static final Pattern LONE = Pattern.compile("(?<![A-Za-z0-9])([A-E])(?![A-Za-z0-9])");
  private static final Pattern ARTICLE = Pattern.compile("A\\s+[a-z]");

  private ChoiceExtractor() {}

  public static Choice extract(String answer, Map<String, String> options) {
    if (answer == null) {
      return Choice.NONE;
    }
    String letters = options.isEmpty() ? DEFAULT_LETTERS : String.join("", options.keySet());
    String text = normalize(answer);
    if (text.isEmpty()) {
      return Choice.NONE;
    }
    String firstLine = text.lines().findFirst().orElse("").strip();
    Choice choice = first(BARE, text, letters, "letter");
    if (choice == null) {
      choice = first(BARE, firstLine, letters, "letter");
    }
    if (choice == null) {
      choice = first(LEADING, text, letters, "leading");
    }
    if (choice == null) {
      choice = unique(PHRASE, text, letters, "phrase");
    }
    if (choice == null) {
      choice = unique(SUFFIX, text, letters, "suffix");
    }
    if (choice == null) {
      choice = byOptionText(text, options);
    }
    if (choice == null) {
      choice = lone(text, letters);
    }
    return choice == null ? Choice.NONE : choice;
  }

  /** NFKC folds full-width letters and brackets; markdown emphasis and code marks go. */
  static String normalize(String answer) {
    return Normalizer.normalize(answer, Normalizer.Form.NFKC).replaceAll("[*`_]", "").strip();
  }

  private static Choice first(Pattern pattern, String text, String letters, String rule) {
    Matcher m = pattern.matcher(text);
    return m.find() && letters.contains(m.group(1)) ? new Choice(m.group(1), rule) : null;
  }

  private static Choice unique(Pattern pattern, String text, String letters, String rule) {
    Set<String> found = new LinkedHashSet<>();
    Matcher m = pattern.matcher(text);
    while (m.find()) {
      if (HEDGE.matcher(text).region(m.end(1), text.length()).lookingAt()) {
        return Choice.NONE;
      }
      if (letters.contains(m.group(1))) {
        found.add(m.group(1));
      }
    }
    return found.size() == 1 ? new Choice(found.iterator().next(), rule) : null;
  }

  private static Choice byOptionText(String text, Map<String, String> options) {
    String answer = comparable(text);
    List<Map.Entry<String, String>> contained = new ArrayList<>();
    for (var option : options.entrySet()) {
      String value = comparable(option.getValue());
      if (value.isEmpty()) {
        continue;
      }
      if (value.equals(answer)) {
        return new Choice(option.getKey(), "text");
      }
      if (answer.contains(value)) {
        contained.add(Map.entry(option.getKey(), value));
      }
    }
    if (contained.isEmpty()) {
      return null;
    }
    var longest = contained.stream().max((a, b) -> Integer.compare(a.getValue().length(), b.getValue().length())).get();
    boolean allInside = contained.stream().allMatch(e -> longest.getValue().contains(e.getValue()));
    return allInside ? new Choice(longest.getKey(), "text") : null;
  }

  private static Choice lone(String text, String letters) {
    Set<String> found = new LinkedHashSet<>();
    Matcher m = LONE.matcher(text);
    while (m.find()) {
      String letter = m.group(1);
      if (letter.equals("A") && ARTICLE.matcher(text.substring(m.start())).lookingAt()) {
        continue;
      }
      if (letters.contains(letter)) {
        found.add(letter);
      }
    }
    return found.size() == 1 ? new Choice(found.iterator().next(), "lone") : null;
  }

  /** Case, spacing and end punctuation do not make a different option text. */
  private static String comparable(String s) {
    return normalize(s).toLowerCase(java.util.Locale.ROOT).replaceAll("\\s+", " ").replaceAll("^[\\s.,!?。]+|[\\s.,!?。]+$", "");
  }
}
