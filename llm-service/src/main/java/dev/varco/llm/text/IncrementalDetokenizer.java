package dev.varco.llm.text;

import java.util.Arrays;
import java.util.function.Function;

/**
 * Turns generated token ids into text deltas that never split a character. Byte-level BPE tokens
 * can end in the middle of a UTF-8 sequence (one Korean syllable or emoji often spans two tokens);
 * decoding such a prefix yields U+FFFD. Each step decodes a short window of recent ids twice, with
 * and without the new ones (as vLLM does), and holds the text back while it ends in U+FFFD.
 */
public final class IncrementalDetokenizer {
  /** Ids kept before the unsent ones so merges at the window's start decode as in the full text. */
  private static final int CONTEXT_TOKENS = 6;

  private final Function<int[], String> decode;
  private int[] ids = new int[64];
  private int size;
  /** Start of the decoding window. */
  private int prefixOffset;
  /** Ids before this index have been sent. */
  private int readOffset;
  private int pendingTokens;

  public IncrementalDetokenizer(Function<int[], String> decode) {
    this.decode = decode;
  }

  /** Adds one generated id; returns the newly complete text, possibly empty. */
  public String add(int tokenId) {
    if (size == ids.length) {
      ids = Arrays.copyOf(ids, size * 2);
    }
    ids[size++] = tokenId;
    pendingTokens++;
    String prefix = decode.apply(Arrays.copyOfRange(ids, prefixOffset, readOffset));
    String full = decode.apply(Arrays.copyOfRange(ids, prefixOffset, size));
    if (full.length() <= prefix.length() || full.endsWith("\uFFFD")) {
      return "";
    }
    String delta = full.startsWith(prefix) ? full.substring(prefix.length()) : full.substring(commonPrefix(prefix, full));
    readOffset = size;
    prefixOffset = Math.max(prefixOffset, readOffset - CONTEXT_TOKENS);
    return delta;
  }

  /**
   * How many tokens the text returned by the latest non-empty {@link #add} covers; resets the
   * count.
   */
  public int takeTokenCount() {
    int n = pendingTokens;
    pendingTokens = 0;
    return n;
  }

  /**
   * Text still held back when generation ends, without a trailing incomplete character (a
   * truncated UTF-8 sequence is dropped rather than sent as U+FFFD); may be empty.
   */
  public String flush() {
    if (readOffset == size) {
      return "";
    }
    String prefix = decode.apply(Arrays.copyOfRange(ids, prefixOffset, readOffset));
    String full = decode.apply(Arrays.copyOfRange(ids, prefixOffset, size));
    readOffset = size;
    int end = full.length();
    while (end > 0 && full.charAt(end - 1) == '\uFFFD') {
      end--;
    }
    int start = commonPrefix(prefix, full);
    return end > start ? full.substring(start, end) : "";
  }

  private static int commonPrefix(String a, String b) {
    int n = Math.min(a.length(), b.length());
    int i = 0;
    while (i < n && a.charAt(i) == b.charAt(i)) {
      i++;
    }
    return i;
  }
}
