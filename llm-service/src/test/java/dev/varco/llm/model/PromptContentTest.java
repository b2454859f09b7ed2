package dev.varco.llm.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which leading positions two prompts share, the basis of KV-cache reuse. */
class PromptContentTest {
  static final int IMAGE = 99;

  static ImageEmbedding image(int rows) {
    return ImageEmbedding.ofFloats(rows, 2, new float[rows * 2]);
  }

  static PromptContent prompt(int[] tokens, List<ImageEmbedding> images, List<String> digests) {
    return PromptRows.splice(tokens, IMAGE, images, digests).content();
  }

  static PromptContent text(int... tokens) {
    return PromptRows.ofTokens(tokens).content();
  }

  @Test
  void textSharesUpToTheFirstDifferentToken() {
    assertEquals(3, text(1, 2, 3, 4).sharedPrefixLength(text(1, 2, 3, 5, 6)));
    assertEquals(0, text(7, 2).sharedPrefixLength(text(1, 2)));
    assertEquals(2, text(1, 2).sharedPrefixLength(text(1, 2, 3)));
    assertEquals(2, text(1, 2, 3).sharedPrefixLength(text(1, 2)));
  }

  @Test
  void segmentBoundariesDoNotMatter() {
    PromptContent split = text(1, 2).extendedWith(new int[] {3}).extendedWith(new int[] {4, 5});
    assertEquals(5, split.length());
    assertEquals(4, split.sharedPrefixLength(text(1, 2, 3, 4, 9)));
    assertEquals(4, text(1, 2, 3, 4, 9).sharedPrefixLength(split));
  }

  @Test
  void imagesMatchByDigest() {
    int[] tokens = {1, IMAGE, 2};
    PromptContent a = prompt(tokens, List.of(image(5)), List.of("aa"));
    assertEquals(7, a.sharedPrefixLength(prompt(tokens, List.of(image(5)), List.of("aa"))));
    assertEquals(1, a.sharedPrefixLength(prompt(tokens, List.of(image(5)), List.of("bb"))));
    // Same digest but another row count would be another model's packing: no match.
    assertEquals(1, a.sharedPrefixLength(prompt(tokens, List.of(image(4)), List.of("aa"))));
    // Images without a digest match nothing, not even themselves.
    PromptContent anonymous = PromptRows.splice(tokens, IMAGE, List.of(image(5))).content();
    assertEquals(1, anonymous.sharedPrefixLength(anonymous));
    // A text position never matches an image row.
    assertEquals(1, a.sharedPrefixLength(text(1, 2, 3)));
  }

  @Test
  void aPartlyPrefilledImageSharesItsRows() {
    PromptContent whole = prompt(new int[] {1, IMAGE, 2}, List.of(image(5)), List.of("aa"));
    PromptContent partial = whole.truncated(4);
    assertEquals(4, partial.length());
    assertEquals(4, partial.sharedPrefixLength(whole));
    assertEquals(4, whole.sharedPrefixLength(partial));
  }

  @Test
  void truncatedAndExtendedKeepPositions() {
    PromptContent content = prompt(new int[] {1, IMAGE, 2, 3}, List.of(image(3)), List.of("aa"));
    assertEquals(6, content.length());
    PromptContent grown = content.truncated(5).extendedWith(new int[] {8, 9});
    assertEquals(7, grown.length());
    assertEquals(5, grown.sharedPrefixLength(content));
    int[] next = {1, IMAGE, 2, 8, 9, 4};
    assertEquals(7, grown.sharedPrefixLength(prompt(next, List.of(image(3)), List.of("aa"))));
  }

  @Test
  void heldImagesAreTheLeadingImagesInsideTheSharedPrefix() {
    // Turn 1: [1, image aa (5 rows), 2, 3]; turn 2 appends an answer and a second image.
    PromptContent turn1 = prompt(new int[] {1, IMAGE, 2, 3}, List.of(image(5)), List.of("aa"));
    int[] turn2 = {1, IMAGE, 2, 3, 7, 8, IMAGE, 4};
    PromptContent.HeldImages held = turn1.heldImages(turn2, IMAGE, List.of("aa", "bb"));
    assertArrayEquals(new int[] {5}, held.imageSizes(), "image aa is held, bb is not");
    assertEquals(turn1.length(), held.sharedPositions());
    // The same prompt with another first image: nothing held, the text before it is shared.
    PromptContent.HeldImages other = turn1.heldImages(turn2, IMAGE, List.of("cc", "aa"));
    assertArrayEquals(new int[0], other.imageSizes());
    assertEquals(1, other.sharedPositions());
    // The image only partly prefilled (the turn was cancelled mid-image): it must be encoded.
    PromptContent.HeldImages partial = turn1.truncated(4).heldImages(turn2, IMAGE, List.of("aa", "bb"));
    assertArrayEquals(new int[0], partial.imageSizes());
    assertEquals(4, partial.sharedPositions());
    // Different text before the image: its rows have other keys and values.
    assertArrayEquals(new int[0], turn1.heldImages(new int[] {9, IMAGE, 2}, IMAGE, List.of("aa")).imageSizes());
    // An image in the last position is never held (the last position is always computed).
    assertArrayEquals(new int[0], turn1.heldImages(new int[] {1, IMAGE}, IMAGE, List.of("aa")).imageSizes());
  }

  @Test
  void heldSizesComeFromTheCachedImageWithTheSameDigest() {
    PromptContent twoImages = prompt(new int[] {1, IMAGE, 2, IMAGE, 3}, List.of(image(4), image(6)), List.of("aa", "bb"));
    PromptContent.HeldImages held = twoImages.heldImages(new int[] {1, IMAGE, 2, IMAGE, 3, 5}, IMAGE, List.of("aa", "bb"));
    assertArrayEquals(new int[] {4, 6}, held.imageSizes());
    assertEquals(twoImages.length(), held.sharedPositions());
  }
}
