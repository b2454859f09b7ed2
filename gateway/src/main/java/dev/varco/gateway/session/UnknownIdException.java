package dev.varco.gateway.session;

/** A conversation or response id the store does not hold (never created, or deleted). */
public class UnknownIdException extends RuntimeException {
  private final String id;

  public UnknownIdException(String kind, String id) {
    super("no " + kind + " with id '" + id + "' found");
    this.id = id;
  }

  public String id() {
    return id;
  }
}
