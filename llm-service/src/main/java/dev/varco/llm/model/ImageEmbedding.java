package dev.varco.llm.model;

/**
 * The packed embedding rows of one image as the vision service returns them: {@code tokenCount}
 * rows of {@code hiddenSize} floats, row-major. Each row takes one prompt position.
 */
public record ImageEmbedding(int tokenCount, int hiddenSize, float[] rows) {
  public ImageEmbedding {
    if (tokenCount < 1 || hiddenSize < 1) {
      throw new IllegalArgumentException(
          "an image embedding needs at least one row and column, got " + tokenCount + "x" + hiddenSize);
    }
    if ((long) tokenCount * hiddenSize != rows.length) {
      throw new IllegalArgumentException(
          "image embedding of " + tokenCount + "x" + hiddenSize + " holds " + rows.length + " values");
    }
  }
}
