package dev.varco.gateway.session;

/** The store could not read or write (disk full, corrupt file, lost connection). Nothing was recorded. */
public class StoreFailure extends RuntimeException {
  public StoreFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
