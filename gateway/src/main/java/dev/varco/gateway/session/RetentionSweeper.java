package dev.varco.gateway.session;

import io.quarkus.runtime.Startup;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Enforces the store's retention ({@code varco.gateway.store.retention.*}) every sweep interval
 * on a thread of its own, so no request waits for it. Each gateway sweeps; with a shared Redis
 * the sweeps of several replicas only repeat one another (each deletion is one atomic script).
 * A failed sweep (the store unreachable) is logged and tried again at the next interval.
 */
@Startup
@ApplicationScoped
public class RetentionSweeper {
  private static final Logger LOG = Logger.getLogger(RetentionSweeper.class);
  /** First sweep soon after start-up, so a gateway restarted more often than the interval still sweeps. */
  private static final Duration FIRST_SWEEP = Duration.ofSeconds(30);

  @Inject ConversationStore store;
  @Inject StoreConfig config;

  private ScheduledExecutorService timer;
  private Duration interval;

  @PostConstruct
  void start() {
    StoreConfig.RetentionConfig retention = config.retention();
    schedule(retention.policy(), retention.sweepInterval(), retention.sweepBatch(),
        FIRST_SWEEP.compareTo(retention.sweepInterval()) < 0 ? FIRST_SWEEP : retention.sweepInterval());
  }

  /** Sweeps {@code store} by {@code policy} after {@code first}, then every {@code interval}; refuses bad settings. */
  void schedule(Retention policy, Duration interval, int batch, Duration first) {
    if (batch < 1) {
      throw new IllegalArgumentException("varco.gateway.store.retention.sweep-batch is " + batch
          + "; it must be at least 1");
    }
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("varco.gateway.store.retention.sweep-interval is " + interval
          + "; it must be positive");
    }
    if (!policy.limitsAnything()) {
      LOG.info("retention: conversations and responses are kept until deleted (no limit configured)");
      return;
    }
    LOG.infof("retention: %s, swept every %s", policy, interval);
    this.interval = interval;
    timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("retention-sweeper").daemon()
        .factory());
    timer.scheduleWithFixedDelay(() -> sweep(policy, batch), first.toMillis(), interval.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** One sweep now; returns what it deleted (nothing when it failed). */
  Swept sweep(Retention policy, int batch) {
    try {
      Swept swept = store.sweep(policy, batch);
      if (swept.conversations() + swept.responses() > 0) {
        LOG.infof("retention: deleted %d conversations and %d responses", swept.conversations(), swept.responses());
      }
      return swept;
    } catch (RuntimeException e) {
      LOG.warnf("retention sweep failed (tried again in %s): %s", interval, e.getMessage());
      return new Swept(0, 0);
    }
  }

  /** Stops sweeping, waiting briefly for a sweep under way so the store is not closed under it. */
  @PreDestroy
  void stop() {
    if (timer != null) {
      timer.shutdownNow();
      try {
        timer.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
