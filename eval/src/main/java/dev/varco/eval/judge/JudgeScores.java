package dev.varco.eval.judge;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two scores on a judge's first scored line ({@code 8 9}, {@code 8, 9}, {@code 7.5 8}, with or
 * without markdown); each must lie in 1..10, else the judgement is unusable and the item is
 * judged again on the next run.
 *
 * @param reference the reference answer's score (assistant 1)
 * @param model the evaluated model's score (assistant 2)
 */
public record JudgeScores(double reference, double model) {
  private static final Pattern TWO_NUMBERS = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*[,/ ]\\s*(\\d+(?:\\.\\d+)?)");

  public static Optional<JudgeScores> parse(String judgement) {
    if (judgement == null) {
      return Optional.empty();
    }
    for (String line : judgement.replaceAll("[*`]", "").lines().toList()) {
      Matcher m = TWO_NUMBERS.matcher(line.strip());
      if (m.find()) {
        double reference = Double.parseDouble(m.group(1));
        double model = Double.parseDouble(m.group(2));
        if (reference < 1 || reference > 10 || model < 1 || model > 10) {
          return Optional.empty();
        }
        return Optional.of(new JudgeScores(reference, model));
      }
    }
    return Optional.empty();
  }
}
