package dev.varco.llm.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * A {@code tokenizer.json} run by the Hugging Face tokenizers library itself (Rust, through DJL),
 * so ids are exactly those of the Python implementation, Korean included. This is the only class
 * that touches DJL.
 */
public final class HuggingFaceTokenizerFile implements AutoCloseable {
  static {
    // DJL phones home (cloud metadata + telemetry) on first use unless told not to. Set before any
    // DJL class is initialised, in the product itself, not only in test configuration.
    System.setProperty("OPT_OUT_TRACKING", "true");
    System.setProperty("offline", "true");
  }

  private final HuggingFaceTokenizer tokenizer;

  private HuggingFaceTokenizerFile(HuggingFaceTokenizer tokenizer) {
    this.tokenizer = tokenizer;
  }

  /** Loads {@code tokenizer.json} as is: no truncation, no padding, no added BOS/EOS. */
  public static HuggingFaceTokenizerFile load(Path tokenizerJson) {
    try {
      return new HuggingFaceTokenizerFile(
          HuggingFaceTokenizer.newInstance(
              tokenizerJson,
              Map.of(
                  "addSpecialTokens", "false",
                  "truncation", "false",
                  "padding", "false",
                  "modelMaxLength", String.valueOf(Integer.MAX_VALUE))));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read tokenizer " + tokenizerJson, e);
    }
  }

  /** Token ids of {@code text}; added tokens written in the text are recognised, as in HF. */
  public int[] encode(String text) {
    Encoding encoding = tokenizer.encode(text, false, false);
    long[] ids = encoding.getIds();
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = Math.toIntExact(ids[i]);
    }
    return out;
  }

  /** Text of {@code ids}, special tokens included; incomplete UTF-8 sequences decode to U+FFFD. */
  public String decode(int[] ids) {
    long[] wide = new long[ids.length];
    for (int i = 0; i < ids.length; i++) {
      wide[i] = ids[i];
    }
    return tokenizer.decode(wide, false);
  }

  @Override
  public void close() {
    tokenizer.close();
  }
}
