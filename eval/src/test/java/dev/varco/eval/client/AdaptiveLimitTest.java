package dev.varco.eval.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class AdaptiveLimitTest {
  @Test
  void dropsOnRefusalsAndClimbsBackAfterAnsweredRequests() throws InterruptedException {
    AdaptiveLimit limit = new AdaptiveLimit(3);
    assertEquals(3, limit.limit());
    for (int i = 0; i < 5; i++) {
      limit.acquire();
      limit.release(true);
    }
    assertEquals(1, limit.limit(), "never below one");
    for (int i = 0; i < 4; i++) {
      limit.acquire();
      limit.release(false);
    }
    assertEquals(2, limit.limit(), "four answered at limit 1 raise it to 2");
    for (int i = 0; i < 8; i++) {
      limit.acquire();
      limit.release(false);
    }
    assertEquals(3, limit.limit());
    for (int i = 0; i < 50; i++) {
      limit.acquire();
      limit.release(false);
    }
    assertEquals(3, limit.limit(), "never above the configured concurrency");
  }
}
