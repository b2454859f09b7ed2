package dev.varco.eval.cli;

import dev.varco.eval.answer.ChoiceExtractor;
import dev.varco.eval.run.ItemResult;
import java.util.Map;

/** An answered multiple-choice item scored again by the current extraction rule. */
final class Rescore {
  private Rescore() {}

  static ItemResult of(ItemResult r) {
    if (!r.done() || r.answer() == null) {
      return r;
    }
    Map<String, String> options = r.options() == null ? Map.of() : r.options();
    ChoiceExtractor.Choice choice = ChoiceExtractor.extract(r.rawAnswer(), options);
    return new ItemResult(r.id(), r.category(), r.prompt(), r.options(), r.rawAnswer(), choice.letter(), choice.rule(),
        r.answer(), r.answer().equals(choice.letter()), r.judgement(), r.referenceScore(), r.modelScore(), null, r.seconds());
  }
}
