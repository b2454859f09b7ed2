package dev.varco.llm.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.TinyModelDirectory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Streaming deltas never split a character and add up to the full decode. */
class IncrementalDetokenizerTest {
  static HuggingFaceTokenizerFile tokenizer;

  @BeforeAll
  static void load() {
    tokenizer = HuggingFaceTokenizerFile.load(TinyModelDirectory.llmDir().resolve("tokenizer.json"));
  }

  @AfterAll
  static void close() {
    tokenizer.close();
  }

  @Test
  void koreanAndEmojiDeltasAreWholeCharacters() {
    String text = "고양이 🐱 두 마리가 소파 위에 있어요 👩‍👩‍👧 가족 🇰🇷! 뷁 똠방각하 ㅋㅋㅋ\n끝.";
    int[] ids = tokenizer.encode(text);
    IncrementalDetokenizer detokenizer = new IncrementalDetokenizer(tokenizer::decode);
    List<String> deltas = new ArrayList<>();
    int covered = 0;
    boolean someTokenWasHeldBack = false;
    for (int id : ids) {
      String delta = detokenizer.add(id);
      if (delta.isEmpty()) {
        someTokenWasHeldBack = true;
        continue;
      }
      deltas.add(delta);
      covered += detokenizer.takeTokenCount();
      assertFalse(delta.contains("\uFFFD"), "delta " + delta);
      assertFalse(Character.isLowSurrogate(delta.charAt(0)), "delta starts inside a surrogate pair");
      assertFalse(Character.isHighSurrogate(delta.charAt(delta.length() - 1)), "delta ends inside a surrogate pair");
    }
    deltas.add(detokenizer.flush());
    covered += detokenizer.takeTokenCount();
    assertTrue(someTokenWasHeldBack, "the text should contain characters split across tokens");
    assertEquals(text, String.join("", deltas));
    assertEquals(ids.length, covered);
  }

  @Test
  void aTruncatedCharacterAtTheEndIsDroppedNotReplaced() {
    int[] ids = java.util.stream.Stream.of("🦩", "🫠", "🧌", "뷁", "𝄞")
        .map(tokenizer::encode)
        .filter(candidate -> candidate.length > 1 && tokenizer.decode(new int[] {candidate[0]}).contains("\uFFFD"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no candidate character spans tokens"));
    IncrementalDetokenizer detokenizer = new IncrementalDetokenizer(tokenizer::decode);
    assertEquals("", detokenizer.add(ids[0]));
    assertEquals("", detokenizer.flush());
  }
}
