package dev.varco.llm.model;

/** Receives each generated token as it is sampled, on the model thread. */
@FunctionalInterface
public interface TokenListener {
  /** @param position the token's position in the sequence (prompt positions come first) */
  void onToken(int tokenId, int position);
}
