package dev.varco.llm.text;

import java.util.List;

/**
 * Finds stop strings in streamed text, across token boundaries. Text goes in as it is decoded;
 * what comes out is safe to send: everything before the first stop string once one matched, and
 * otherwise everything except the longest tail that could still be the start of a stop string
 * (held back only as long as it might become one).
 */
public final class StopStringMatcher {
  private final List<String> stops;
  private final StringBuilder held = new StringBuilder();
  private boolean matched;

  public StopStringMatcher(List<String> stops) {
    for (String stop : stops) {
      if (stop.isEmpty()) {
        throw new IllegalArgumentException("stop strings must not be empty");
      }
    }
    this.stops = List.copyOf(stops);
  }

  /** Adds decoded text; returns the text that can be sent now, possibly empty. */
  public String add(String text) {
    if (matched) {
      return "";
    }
    held.append(text);
    int cut = -1;
    for (String stop : stops) {
      int at = held.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) {
        cut = at;
      }
    }
    if (cut >= 0) {
      matched = true;
      String out = held.substring(0, cut);
      held.setLength(0);
      return out;
    }
    int keep = longestTailThatStartsAStop();
    String out = held.substring(0, held.length() - keep);
    held.delete(0, held.length() - keep);
    return out;
  }

  /** True once a stop string was found; later text is discarded. */
  public boolean matched() {
    return matched;
  }

  /** At the end of generation: the held-back tail, which turned out not to be a stop string. */
  public String flush() {
    String out = held.toString();
    held.setLength(0);
    return out;
  }

  private int longestTailThatStartsAStop() {
    String text = held.toString();
    int best = 0;
    for (String stop : stops) {
      for (int len = Math.min(stop.length() - 1, text.length()); len > best; len--) {
        if (stop.regionMatches(0, text, text.length() - len, len)) {
          best = len;
          break;
        }
      }
    }
    return best;
  }
}
