package dev.varco.llm.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The exact UTF-8 bytes of each token id (what OpenAI's logprobs {@code bytes} carry), read from
 * tokenizer.json: byte-level BPE vocabulary entries are GPT-2's printable stand-ins for bytes and
 * are mapped back; added tokens are their content's UTF-8. A token that is half of a character
 * has bytes that are not valid UTF-8 on their own, which its decoded text cannot show.
 */
public final class TokenBytes {
  private final Map<Integer, byte[]> bytes;

  private TokenBytes(Map<Integer, byte[]> bytes) {
    this.bytes = bytes;
  }

  /** Empty (every lookup null) unless the tokenizer's decoder is byte-level. */
  static TokenBytes of(JsonNode tokenizerJson) {
    Map<Integer, byte[]> bytes = new HashMap<>();
    if ("ByteLevel".equals(tokenizerJson.path("decoder").path("type").asText())) {
      Map<Character, Byte> byteOf = byteLevelAlphabet();
      for (Iterator<Map.Entry<String, JsonNode>> it = tokenizerJson.path("model").path("vocab").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> entry = it.next();
        String symbols = entry.getKey();
        byte[] out = new byte[symbols.length()];
        boolean mapped = true;
        for (int i = 0; i < symbols.length() && mapped; i++) {
          Byte b = byteOf.get(symbols.charAt(i));
          mapped = b != null;
          out[i] = mapped ? b : 0;
        }
        if (mapped) {
          bytes.put(entry.getValue().asInt(), out);
        }
      }
      for (JsonNode added : tokenizerJson.path("added_tokens")) {
        bytes.put(added.path("id").asInt(), added.path("content").asText().getBytes(StandardCharsets.UTF_8));
      }
    }
    return new TokenBytes(bytes);
  }

  /** The token's bytes, or null when unknown. */
  public byte[] bytesOf(int tokenId) {
    byte[] b = bytes.get(tokenId);
    return b == null ? null : b.clone();
  }

  /** GPT-2's bytes_to_unicode, inverted: printable bytes stand for themselves, the rest for 256+n. */
  private static Map<Character, Byte> byteLevelAlphabet() {
    Map<Character, Byte> byteOf = new HashMap<>();
    int next = 0;
    for (int b = 0; b < 256; b++) {
      boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      char symbol = printable ? (char) b : (char) (256 + next++);
      byteOf.put(symbol, (byte) b);
    }
    return byteOf;
  }
}
