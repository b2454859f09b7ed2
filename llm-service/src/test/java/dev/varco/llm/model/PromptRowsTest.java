package dev.varco.llm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Splicing image rows in place of placeholder tokens. */
class PromptRowsTest {
  static final int HIDDEN = 3;
  static final int IMAGE = 99;

  /** Token t's row is [t, t, t]. */
  static void tokenRow(int tokenId, float[] dest, int offset) {
    Arrays.fill(dest, offset, offset + HIDDEN, tokenId);
  }

  static ImageEmbedding image(int rows, float base) {
    float[] values = new float[rows * HIDDEN];
    for (int i = 0; i < values.length; i++) {
      values[i] = base + i;
    }
    return new ImageEmbedding(rows, HIDDEN, values);
  }

  @Test
  void eachImageGrowsThePromptByItsRowsMinusOne() {
    int[] tokens = {1, 2, IMAGE, 3, IMAGE, 4};
    PromptRows prompt = PromptRows.splice(tokens, IMAGE, List.of(image(5, 1000), image(2, 2000)));
    assertEquals(6 + (5 - 1) + (2 - 1), prompt.length());
    assertEquals(7, prompt.imageRows());
  }

  @Test
  void rowsComeOutInPositionOrder() {
    PromptRows prompt = PromptRows.splice(new int[] {1, IMAGE, 2}, IMAGE, List.of(image(2, 100)));
    float[] all = new float[4 * HIDDEN];
    prompt.copyRows(0, 4, HIDDEN, PromptRowsTest::tokenRow, all, 0);
    assertArrayEquals(new float[] {1, 1, 1, 100, 101, 102, 103, 104, 105, 2, 2, 2}, all);
    // A window that starts inside the image and ends in the text after it.
    float[] window = new float[2 * HIDDEN];
    prompt.copyRows(2, 2, HIDDEN, PromptRowsTest::tokenRow, window, 0);
    assertArrayEquals(new float[] {103, 104, 105, 2, 2, 2}, window);
  }

  @Test
  void placeholderAndImageCountsMustAgree() {
    assertThrows(IllegalArgumentException.class, () -> PromptRows.splice(new int[] {IMAGE, IMAGE}, IMAGE, List.of(image(1, 0))));
    assertThrows(IllegalArgumentException.class, () -> PromptRows.splice(new int[] {1}, IMAGE, List.of(image(1, 0))));
  }

  @Test
  void textOnlyPromptHasNoImageRows() {
    PromptRows prompt = PromptRows.ofTokens(new int[] {5, 6, 7});
    assertEquals(3, prompt.length());
    assertEquals(0, prompt.imageRows());
  }

  @Test
  void imageRowsMustMatchTheDecoderWidth() {
    PromptRows prompt = PromptRows.splice(new int[] {IMAGE}, IMAGE, List.of(new ImageEmbedding(1, 2, new float[2])));
    assertThrows(IllegalArgumentException.class, () -> prompt.copyRows(0, 1, HIDDEN, PromptRowsTest::tokenRow, new float[HIDDEN], 0));
  }
}
