package dev.varco.llm.text;

/**
 * The chat template refused the conversation (its {@code raise_exception}, e.g. roles that do not
 * alternate) or the conversation does not fit the template's shape (placeholder counts).
 */
public class TemplateRejectedException extends RuntimeException {
  public TemplateRejectedException(String message) {
    super(message);
  }
}
