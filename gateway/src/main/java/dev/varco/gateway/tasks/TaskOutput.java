package dev.varco.gateway.tasks;

import java.util.List;

/**
 * A model answer read by {@link TaskOutputParser}.
 *
 * @param text the answer without markup: tags and box coordinates removed, phrases and OCR text
 *     kept in place; never longer than the model output
 * @param phrases grounded phrases ({@code <obj>}) with at least one valid box each
 * @param ocrLines OCR lines ({@code <char>}) with at least one valid box each
 * @param skipped the first {@value TaskOutputParser#MAX_REPORTS} fragments that were skipped
 * @param skippedCount how many fragments were skipped in all
 */
public record TaskOutput(
    String text, List<LocatedText> phrases, List<LocatedText> ocrLines, List<SkippedFragment> skipped, int skippedCount) {
  public TaskOutput {
    phrases = List.copyOf(phrases);
    ocrLines = List.copyOf(ocrLines);
    skipped = List.copyOf(skipped);
  }
}
