package dev.varco.llm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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
    return ImageEmbedding.ofFloats(rows, HIDDEN, values);
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
    PromptRows prompt = PromptRows.splice(new int[] {IMAGE}, IMAGE, List.of(ImageEmbedding.ofFloats(1, 2, new float[2])));
    assertThrows(IllegalArgumentException.class, () -> prompt.copyRows(0, 1, HIDDEN, PromptRowsTest::tokenRow, new float[HIDDEN], 0));
  }

  @Test
  void anImageHeldInTheKvCacheTakesItsPositionsWithoutRows() {
    int[] tokens = {1, IMAGE, 2, IMAGE, 3};
    PromptRows prompt = PromptRows.spliceImages(tokens, IMAGE,
        List.of(PromptImage.heldInCache("aa", 4), PromptImage.encoded(image(2, 100), "bb")));
    assertEquals(5 + 3 + 1, prompt.length());
    assertEquals(6, prompt.imageRows());
    assertEquals(5, prompt.missingRowsEnd(), "a KV prefix must hold positions 0..4 (text 1 and image aa)");
    // Rows after the held image come out as usual; the held image's own rows cannot.
    float[] tail = new float[4 * HIDDEN];
    prompt.copyRows(5, 4, HIDDEN, PromptRowsTest::tokenRow, tail, 0);
    assertArrayEquals(new float[] {2, 2, 2, 100, 101, 102, 103, 104, 105, 3, 3, 3}, tail);
    assertThrows(IllegalStateException.class, () -> prompt.copyRows(4, 1, HIDDEN, PromptRowsTest::tokenRow, new float[HIDDEN], 0));
    // Encoded later, the image fills its positions and the prompt holds every row.
    PromptRows complete = prompt.withImages(List.of(PromptImage.encoded(image(4, 500), "aa"), prompt.images().get(1)));
    assertEquals(0, complete.missingRowsEnd());
    float[] all = new float[complete.length() * HIDDEN];
    complete.copyRows(0, complete.length(), HIDDEN, PromptRowsTest::tokenRow, all, 0);
    assertEquals(500, all[HIDDEN]);
    assertEquals(complete.length(), complete.content().sharedPrefixLength(prompt.content()), "same content, rows or not");
    assertThrows(IllegalArgumentException.class,
        () -> prompt.withImages(List.of(PromptImage.encoded(image(3, 0), "aa"), prompt.images().get(1))));
  }

  @Test
  void float16RowsWidenExactlyWhenCopied() {
    float[] values = {1.0f, -2.5f, 0.333251953125f, 65504f, -0.0f, 1e-3f};
    ByteBuffer halfs = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      halfs.putShort(Float.floatToFloat16(v));
    }
    ImageEmbedding image = new ImageEmbedding(2, HIDDEN, ImageEmbedding.Format.FLOAT16, halfs.flip());
    PromptRows prompt = PromptRows.splice(new int[] {IMAGE}, IMAGE, List.of(image));
    float[] rows = new float[2 * HIDDEN];
    prompt.copyRows(0, 2, HIDDEN, PromptRowsTest::tokenRow, rows, 0);
    for (int i = 0; i < values.length; i++) {
      assertEquals(Float.float16ToFloat(Float.floatToFloat16(values[i])), rows[i], 0f);
    }
  }
}
