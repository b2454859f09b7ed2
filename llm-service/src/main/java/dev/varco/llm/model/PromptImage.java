package dev.varco.llm.model;

/**
 * One image of a prompt: its digest, how many positions its rows take, and the rows themselves, or
 * none when a reused KV-cache prefix already holds them (so the image need not be encoded again).
 *
 * @param digest the image's sha256 (hex); null = an image no other prompt can match
 * @param embedding the rows; null = not encoded, the prompt's KV prefix must hold them
 */
public record PromptImage(String digest, int tokenCount, ImageEmbedding embedding) {
  public PromptImage {
    if (tokenCount < 1) {
      throw new IllegalArgumentException("an image takes at least one position, got " + tokenCount);
    }
    if (embedding != null && embedding.tokenCount() != tokenCount) {
      throw new IllegalArgumentException("an image of " + embedding.tokenCount() + " rows said to take " + tokenCount);
    }
  }

  /** An encoded image. */
  public static PromptImage encoded(ImageEmbedding embedding, String digest) {
    return new PromptImage(digest, embedding.tokenCount(), embedding);
  }

  /** An image whose rows are in a KV-cache prefix: only its size is known. */
  public static PromptImage heldInCache(String digest, int tokenCount) {
    return new PromptImage(digest, tokenCount, null);
  }

  public boolean hasRows() {
    return embedding != null;
  }
}
