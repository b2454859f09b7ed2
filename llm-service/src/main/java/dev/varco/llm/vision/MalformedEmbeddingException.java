package dev.varco.llm.vision;

/** The vision service's Encode stream did not follow its contract (header, then the announced payload). */
public class MalformedEmbeddingException extends RuntimeException {
  public MalformedEmbeddingException(String message) {
    super(message);
  }
}
