package dev.varco.llm.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What a sequence of positions holds, as far as the KV cache is concerned: token ids, and for
 * image rows the image's digest and row index. Two sequences may share KV entries for their common
 * prefix, because a position's keys and values depend only on the rows up to it. Holds no
 * embedding rows, so a cached conversation costs only its ids.
 */
public final class PromptContent {
  private sealed interface Segment permits Text, Image {
    int length();
  }

  private record Text(int[] tokenIds) implements Segment {
    public int length() {
      return tokenIds.length;
    }
  }

  /**
   * @param digest sha256 of the image; null matches nothing
   * @param rows rows of the image present here (a prefix of its {@code tokenCount} rows)
   */
  private record Image(String digest, int rows, int tokenCount) implements Segment {
    public int length() {
      return rows;
    }
  }

  private final List<Segment> segments;
  private final int length;

  private PromptContent(List<Segment> segments) {
    this.segments = List.copyOf(segments);
    this.length = segments.stream().mapToInt(Segment::length).sum();
  }

  static Builder builder() {
    return new Builder();
  }

  /** Collects segments in position order. */
  static final class Builder {
    private final List<Segment> segments = new ArrayList<>();

    Builder text(int[] tokenIds) {
      if (tokenIds.length > 0) {
        segments.add(new Text(tokenIds.clone()));
      }
      return this;
    }

    Builder image(String digest, int rows, int tokenCount) {
      if (rows > 0) {
        segments.add(new Image(digest, rows, tokenCount));
      }
      return this;
    }

    PromptContent build() {
      return new PromptContent(segments);
    }
  }

  public int length() {
    return length;
  }

  /** This content followed by {@code tokenIds}. */
  public PromptContent extendedWith(int[] tokenIds) {
    if (tokenIds.length == 0) {
      return this;
    }
    List<Segment> extended = new ArrayList<>(segments);
    extended.add(new Text(tokenIds.clone()));
    return new PromptContent(extended);
  }

  /** The first {@code positions} positions. */
  public PromptContent truncated(int positions) {
    if (positions < 0 || positions > length) {
      throw new IndexOutOfBoundsException(positions + " of " + length + " positions");
    }
    List<Segment> kept = new ArrayList<>();
    int remaining = positions;
    for (Segment segment : segments) {
      if (remaining == 0) {
        break;
      }
      int take = Math.min(remaining, segment.length());
      kept.add(switch (segment) {
        case Text text -> take == text.length() ? text : new Text(Arrays.copyOf(text.tokenIds(), take));
        case Image image -> new Image(image.digest(), take, image.tokenCount());
      });
      remaining -= take;
    }
    return new PromptContent(kept);
  }

  /**
   * What this content can tell about a prompt whose images are not encoded yet.
   *
   * @param sharedPositions leading positions this content shares with the prompt (as
   *     {@link #sharedPrefixLength}), counting only as far as the prompt's image sizes are known
   * @param imageSizes the row counts of the prompt's leading images that lie wholly inside those
   *     shared positions: their rows are in any KV cache holding this content
   */
  public record HeldImages(int sharedPositions, int[] imageSizes) {}

  /**
   * Matches a prompt before its images are encoded: {@code tokenIds} with one {@code imageTokenId}
   * per image, and the images' digests in order. An image's size is taken from an image of this
   * content with the same digest; the prompt is followed up to its first image this content does not
   * hold (nothing after it can be shared). An image at the very end of the prompt never counts as
   * held: the last prompt position is always computed.
   */
  public HeldImages heldImages(int[] tokenIds, int imageTokenId, List<String> digests) {
    Builder probe = builder();
    List<Integer> sizes = new ArrayList<>();
    List<Integer> ends = new ArrayList<>();
    int position = 0;
    int runStart = 0;
    int image = 0;
    boolean complete = true;
    for (int i = 0; i < tokenIds.length; i++) {
      if (tokenIds[i] != imageTokenId) {
        continue;
      }
      probe.text(Arrays.copyOfRange(tokenIds, runStart, i));
      position += i - runStart;
      String digest = image < digests.size() ? digests.get(image) : null;
      int size = digest == null ? -1 : tokenCountOf(digest);
      if (size < 1 || i == tokenIds.length - 1) {
        complete = false;
        break;
      }
      probe.image(digest, size, size);
      position += size;
      sizes.add(size);
      ends.add(position);
      image++;
      runStart = i + 1;
    }
    if (complete) {
      probe.text(Arrays.copyOfRange(tokenIds, runStart, tokenIds.length));
    }
    int shared = sharedPrefixLength(probe.build());
    int held = 0;
    while (held < ends.size() && ends.get(held) <= shared) {
      held++;
    }
    return new HeldImages(shared, sizes.subList(0, held).stream().mapToInt(Integer::intValue).toArray());
  }

  /** The row count of an image with this digest here, or -1. */
  private int tokenCountOf(String digest) {
    for (Segment segment : segments) {
      if (segment instanceof Image image && digest.equals(image.digest())) {
        return image.tokenCount();
      }
    }
    return -1;
  }

  /**
   * How many leading positions hold the same content in both: equal token ids, or the same rows
   * of images with equal non-null digests.
   */
  public int sharedPrefixLength(PromptContent other) {
    int shared = 0;
    int a = 0;
    int b = 0;
    int offsetA = 0;
    int offsetB = 0;
    while (a < segments.size() && b < other.segments.size()) {
      Segment left = segments.get(a);
      Segment right = other.segments.get(b);
      int step;
      if (left instanceof Text l && right instanceof Text r) {
        step = 0;
        int limit = Math.min(l.length() - offsetA, r.length() - offsetB);
        while (step < limit && l.tokenIds()[offsetA + step] == r.tokenIds()[offsetB + step]) {
          step++;
        }
        if (step < limit) {
          return shared + step;
        }
      } else if (left instanceof Image l && right instanceof Image r && l.digest() != null
          && l.digest().equals(r.digest()) && l.tokenCount() == r.tokenCount() && offsetA == offsetB) {
        step = Math.min(l.rows(), r.rows()) - offsetA;
      } else {
        return shared;
      }
      shared += step;
      offsetA += step;
      offsetB += step;
      if (offsetA == left.length()) {
        a++;
        offsetA = 0;
      }
      if (offsetB == right.length()) {
        b++;
        offsetB = 0;
      }
    }
    return shared;
  }
}
