package dev.varco.llm.engine;

import java.util.List;

/**
 * A generated token's log-probability for the API: the token's own text and UTF-8 bytes, and the
 * most likely alternatives at that step (whose own {@code top} lists are empty).
 */
public record TokenLogprob(int tokenId, String token, byte[] bytes, float logprob, List<TokenLogprob> top) {
  public TokenLogprob {
    top = List.copyOf(top);
  }
}
