package dev.varco.llm.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.llm.TinyModelDirectory;
import java.io.InputStream;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Our tokenizer (HF tokenizers in Rust via DJL) against ids produced by an independent
 * implementation (Hugging Face's JavaScript tokenizers) from the same tokenizer.json. The fixture
 * and the command that regenerates it: src/test/node/tokenizer-fixture.mjs.
 */
class TokenizerFixtureTest {
  static HuggingFaceTokenizerFile tokenizer;
  static JsonNode fixture;

  @BeforeAll
  static void load() throws Exception {
    tokenizer = HuggingFaceTokenizerFile.load(TinyModelDirectory.llmDir().resolve("tokenizer.json"));
    try (InputStream in = TokenizerFixtureTest.class.getResourceAsStream("/tokenizer-fixture.json")) {
      fixture = new ObjectMapper().readTree(in);
    }
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @Test
  void fixtureWasMadeFromThisTokenizer() throws Exception {
    byte[] bytes = Files.readAllBytes(TinyModelDirectory.llmDir().resolve("tokenizer.json"));
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    assertEquals(fixture.path("tokenizer_sha256").asText(), sha,
        "the model's tokenizer.json changed; regenerate the fixture: " + fixture.path("command").asText());
    assertTrue(fixture.path("cases").size() >= 25);
  }

  @Test
  void idsEqualTheReferenceImplementation() {
    for (JsonNode c : fixture.path("cases")) {
      String text = c.path("text").asText();
      int[] expected = toInts(c.path("ids"));
      assertArrayEquals(expected, tokenizer.encode(text), () -> "ids of " + text);
    }
  }

  @Test
  void decodingRoundTrips() {
    for (JsonNode c : fixture.path("cases")) {
      String text = c.path("text").asText();
      assertEquals(c.path("decoded").asText(), tokenizer.decode(toInts(c.path("ids"))), () -> "decode of " + text);
      assertEquals(text, tokenizer.decode(tokenizer.encode(text)), () -> "round trip of " + text);
    }
  }

  private static int[] toInts(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
