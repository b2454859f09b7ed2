package dev.varco.llm.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A prompt as the decoder sees it: one embedding row per position. Text positions are token ids
 * (their rows come from {@code embed_tokens}); each image placeholder token is replaced by all the
 * rows of that image's embedding, so every image grows the prompt by {@code tokenCount - 1}.
 */
public final class PromptRows {
  /** A run of consecutive positions: either text tokens or one image. */
  private sealed interface Segment permits TextSegment, ImageSegment {
    int length();
  }

  private record TextSegment(int[] tokenIds) implements Segment {
    public int length() {
      return tokenIds.length;
    }
  }

  private record ImageSegment(PromptImage image) implements Segment {
    public int length() {
      return image.tokenCount();
    }
  }

  private final List<Segment> segments;
  private final int length;
  private final int imageRows;

  private PromptRows(List<Segment> segments) {
    this.segments = List.copyOf(segments);
    this.length = segments.stream().mapToInt(Segment::length).sum();
    this.imageRows =
        segments.stream().filter(s -> s instanceof ImageSegment).mapToInt(Segment::length).sum();
  }

  /** A text-only prompt. */
  public static PromptRows ofTokens(int[] tokenIds) {
    return splice(tokenIds, -1, List.of());
  }

  /**
   * Replaces the i-th occurrence of {@code imageTokenId} in {@code tokenIds} by the rows of
   * {@code images.get(i)}. Such images have no digest, so no other prompt shares their rows.
   *
   * @throws IllegalArgumentException when the number of placeholders and images differ
   */
  public static PromptRows splice(int[] tokenIds, int imageTokenId, List<ImageEmbedding> images) {
    return splice(tokenIds, imageTokenId, images, Collections.nCopies(images.size(), null));
  }

  /**
   * As {@link #splice(int[], int, List)}, with each image's sha256: two prompts share an image's
   * rows (for KV-cache reuse) only when their digests are equal.
   */
  public static PromptRows splice(int[] tokenIds, int imageTokenId, List<ImageEmbedding> images, List<String> digests) {
    if (digests.size() != images.size()) {
      throw new IllegalArgumentException(digests.size() + " digests for " + images.size() + " images");
    }
    List<PromptImage> spliced = new ArrayList<>(images.size());
    for (int i = 0; i < images.size(); i++) {
      spliced.add(PromptImage.encoded(images.get(i), digests.get(i)));
    }
    return spliceImages(tokenIds, imageTokenId, spliced);
  }

  /**
   * Replaces the i-th occurrence of {@code imageTokenId} by the positions of {@code images.get(i)},
   * whose rows may be missing (held by a KV-cache prefix; see {@link #missingRowsEnd()}).
   */
  public static PromptRows spliceImages(int[] tokenIds, int imageTokenId, List<PromptImage> images) {
    List<Segment> segments = new ArrayList<>();
    int runStart = 0;
    int imageIndex = 0;
    for (int i = 0; i < tokenIds.length; i++) {
      if (tokenIds[i] != imageTokenId) {
        continue;
      }
      if (imageIndex >= images.size()) {
        throw new IllegalArgumentException(
            "the prompt has more image placeholders than the " + images.size() + " images given");
      }
      if (i > runStart) {
        segments.add(new TextSegment(Arrays.copyOfRange(tokenIds, runStart, i)));
      }
      segments.add(new ImageSegment(images.get(imageIndex)));
      imageIndex++;
      runStart = i + 1;
    }
    if (imageIndex != images.size()) {
      throw new IllegalArgumentException(
          "the prompt has " + imageIndex + " image placeholders for " + images.size() + " images");
    }
    if (runStart < tokenIds.length) {
      segments.add(new TextSegment(Arrays.copyOfRange(tokenIds, runStart, tokenIds.length)));
    }
    return new PromptRows(segments);
  }

  /** What each position holds, without the image rows themselves (for KV-cache matching). */
  public PromptContent content() {
    PromptContent.Builder content = PromptContent.builder();
    for (Segment segment : segments) {
      switch (segment) {
        case TextSegment text -> content.text(text.tokenIds());
        case ImageSegment image -> content.image(image.image().digest(), image.length(), image.length());
      }
    }
    return content.build();
  }

  /**
   * Where the last image whose rows this prompt does not hold ends (0 when it holds every row):
   * the prompt can run only on a KV cache that already holds at least this many leading positions.
   */
  public int missingRowsEnd() {
    int end = 0;
    int position = 0;
    for (Segment segment : segments) {
      position += segment.length();
      if (segment instanceof ImageSegment image && !image.image().hasRows()) {
        end = position;
      }
    }
    return end;
  }

  /** The images in prompt order (with or without their rows). */
  public List<PromptImage> images() {
    return segments.stream().filter(s -> s instanceof ImageSegment).map(s -> ((ImageSegment) s).image()).toList();
  }

  /** This prompt with its images replaced by {@code images} (same count, same sizes, in order). */
  public PromptRows withImages(List<PromptImage> images) {
    List<Segment> replaced = new ArrayList<>(segments.size());
    int next = 0;
    for (Segment segment : segments) {
      if (segment instanceof ImageSegment old) {
        if (next >= images.size() || images.get(next).tokenCount() != old.length()) {
          throw new IllegalArgumentException("image " + next + " does not replace an image of " + old.length() + " rows");
        }
        replaced.add(new ImageSegment(images.get(next++)));
      } else {
        replaced.add(segment);
      }
    }
    if (next != images.size()) {
      throw new IllegalArgumentException(images.size() + " images for a prompt of " + next);
    }
    return new PromptRows(replaced);
  }

  /** Number of positions (text tokens plus image rows). */
  public int length() {
    return length;
  }

  /** Of {@link #length()}, how many positions are image rows. */
  public int imageRows() {
    return imageRows;
  }

  /** The text token ids in prompt order (image rows have none). */
  public int[] textTokenIds() {
    return segments.stream()
        .filter(s -> s instanceof TextSegment)
        .flatMapToInt(s -> Arrays.stream(((TextSegment) s).tokenIds()))
        .toArray();
  }

  /**
   * Writes the embedding rows of positions {@code [from, from + count)} into {@code dest}
   * (row-major, {@code count * hiddenSize} floats).
   */
  public void copyRows(int from, int count, DecoderModel model, float[] dest) {
    copyRows(from, count, model.hiddenSize(), model::copyTokenEmbedding, dest, 0);
  }

  /** Looks up the embedding row of a token id. */
  @FunctionalInterface
  public interface TokenRows {
    void copy(int tokenId, float[] dest, int destOffset);
  }

  /**
   * As {@link #copyRows(int, int, DecoderModel, float[])} with an explicit token-row source,
   * writing from {@code dest[destStart]}.
   */
  public void copyRows(int from, int count, int hiddenSize, TokenRows tokenRows, float[] dest, int destStart) {
    if (from < 0 || count < 0 || from + count > length) {
      throw new IndexOutOfBoundsException("rows " + from + "+" + count + " of a prompt of " + length);
    }
    int segmentStart = 0;
    int written = 0;
    for (Segment segment : segments) {
      int segmentEnd = segmentStart + segment.length();
      int lo = Math.max(from, segmentStart);
      int hi = Math.min(from + count, segmentEnd);
      for (int position = lo; position < hi; position++) {
        int inSegment = position - segmentStart;
        int destOffset = destStart + written * hiddenSize;
        switch (segment) {
          case TextSegment text -> tokenRows.copy(text.tokenIds()[inSegment], dest, destOffset);
          case ImageSegment image -> {
            ImageEmbedding rows = image.image().embedding();
            if (rows == null) {
              throw new IllegalStateException(
                  "position " + position + " is a row of an image that was not encoded (its KV prefix was expected to hold it)");
            }
            if (rows.hiddenSize() != hiddenSize) {
              throw new IllegalArgumentException(
                  "image rows are " + rows.hiddenSize() + " wide, the decoder is " + hiddenSize);
            }
            rows.copyRow(inSegment, dest, destOffset);
          }
        }
        written++;
      }
      segmentStart = segmentEnd;
    }
  }
}
