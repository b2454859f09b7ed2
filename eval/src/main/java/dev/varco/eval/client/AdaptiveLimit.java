package dev.varco.eval.client;

/**
 * How many requests to one endpoint may be in flight: starts at the configured concurrency,
 * drops by one at each 429/503 (never below one) and climbs back by one after a run of answered
 * requests, so a run converges on what the server admits instead of hammering it with retries
 * (the additive-increase/multiplicative-decrease idea, kept simple).
 */
final class AdaptiveLimit {
  private final int max;
  private int limit;
  private int inFlight;
  private int answeredSinceChange;

  AdaptiveLimit(int max) {
    this.max = Math.max(1, max);
    this.limit = this.max;
  }

  synchronized void acquire() throws InterruptedException {
    while (inFlight >= limit) {
      wait();
    }
    inFlight++;
  }

  /** @param refused the server answered 429/503 */
  synchronized void release(boolean refused) {
    inFlight--;
    if (refused) {
      limit = Math.max(1, limit - 1);
      answeredSinceChange = 0;
    } else if (++answeredSinceChange >= 4 * limit && limit < max) {
      limit++;
      answeredSinceChange = 0;
    }
    notifyAll();
  }

  synchronized int limit() {
    return limit;
  }
}
