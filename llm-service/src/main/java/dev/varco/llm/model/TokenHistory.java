package dev.varco.llm.model;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * The tokens a request has seen, as the penalties need them: every token id of the prompt and the
 * output (repetition penalty) and how often each id was generated (presence and frequency
 * penalties). Image rows have no token id and do not count.
 */
public final class TokenHistory {
  private final BitSet seen = new BitSet();
  private final Map<Integer, Integer> generatedCounts = new HashMap<>();

  public TokenHistory(int[] promptTokenIds) {
    for (int id : promptTokenIds) {
      seen.set(id);
    }
  }

  public void addGenerated(int tokenId) {
    seen.set(tokenId);
    generatedCounts.merge(tokenId, 1, Integer::sum);
  }

  BitSet seenTokens() {
    return seen;
  }

  Map<Integer, Integer> generatedCounts() {
    return generatedCounts;
  }
}
