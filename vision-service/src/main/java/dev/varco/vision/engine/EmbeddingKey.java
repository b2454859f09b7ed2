package dev.varco.vision.engine;

/**
 * What identifies a packed embedding: the image bytes and everything that shapes the rows made
 * from them, so a changed model or preprocessing configuration never serves stale rows.
 *
 * @param imageSha256 lower-case hex sha256 of the image file
 * @param configDigest {@link EmbeddingConfigDigest} of the model and encoder configuration
 */
public record EmbeddingKey(String imageSha256, String configDigest) {}
