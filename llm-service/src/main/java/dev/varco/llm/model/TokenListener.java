package dev.varco.llm.model;

/** Receives each generated token as it is sampled, on the model thread. */
@FunctionalInterface
public interface TokenListener {
  /**
   * @param position the token's position in the sequence (prompt positions come first)
   * @return true to end generation here with finish reason STOP (a stop string matched)
   */
  boolean onToken(SampledToken token, int position);
}
