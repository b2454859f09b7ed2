package dev.varco.eval.data;

import java.util.Map;

/**
 * One benchmark question, whatever file it came from.
 *
 * @param id the set's own question id ({@code index} / {@code question_id}), as text
 * @param question the question as the set writes it
 * @param hint context shown before the question (K-MMBench), or null
 * @param options letter to option text in letter order; empty for open questions (K-LLaVA-W) and
 *     for K-MMStar rows that carry their options inside the question
 * @param answer the correct letter, or null for open questions
 * @param category the category the paper reports by (may be empty)
 * @param image the image file's bytes (PNG, JPEG, ...)
 * @param caption K-LLaVA-W's image description for the judge, or null
 * @param reference K-LLaVA-W's reference answer the judge compares against, or null
 */
public record Item(
    String id,
    String question,
    String hint,
    Map<String, String> options,
    String answer,
    String category,
    byte[] image,
    String caption,
    String reference) {}
