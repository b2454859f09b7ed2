package dev.varco.llm.engine;

import org.jboss.logging.Logger;

/**
 * Something thrown on the model thread outside one request's forward call (an {@link Error} such
 * as {@code OutOfMemoryError: Cannot reserve ... direct buffer memory}, or a bug): what callers and
 * readiness are told, and cleanup that must go on whatever else fails.
 */
final class ModelThreadFault {
  private static final Logger LOG = Logger.getLogger(ModelThreadFault.class);

  private ModelThreadFault() {}

  /** One line naming the cause, e.g. {@code java.lang.OutOfMemoryError: Cannot reserve ...}. */
  static String describe(Throwable fault) {
    return fault.getMessage() == null ? fault.getClass().getName() : fault.getClass().getName() + ": " + fault.getMessage();
  }

  /** What each request held by the model thread at the fault fails with (gRPC UNAVAILABLE). */
  static BackendUnavailableException failure(Throwable fault) {
    return new BackendUnavailableException(
        "the model thread failed (" + describe(fault) + "); requests in progress were dropped and the engine is restarting",
        fault);
  }

  /** Runs a cleanup step; a failure is logged, never thrown, so the next step still runs. */
  static void bestEffort(Runnable step) {
    try {
      step.run();
    } catch (Throwable t) {
      LOG.errorf(t, "cleanup after a model thread fault failed");
    }
  }
}
