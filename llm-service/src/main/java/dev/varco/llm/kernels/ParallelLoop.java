package dev.varco.llm.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of threads that runs the tasks of one loop at a time, the calling thread included.
 * A forward pass hands out hundreds of short loops (one per matmul, attention, norm), so a worker
 * spins briefly between loops before it parks: a hand-off costs microseconds, not a wake-up.
 * Tasks are taken from a shared counter; each task writes its own outputs, so which thread runs
 * which task never changes a result.
 */
public final class ParallelLoop implements AutoCloseable {
  /** One loop's body: {@code worker} is 0 for the caller, 1.. for the team (for per-thread scratch). */
  @FunctionalInterface
  public interface Body {
    void run(int task, int worker);
  }

  private static final long SPIN_NANOS = 50_000;

  private final Thread[] team;
  private final AtomicInteger nextTask = new AtomicInteger();
  private final AtomicInteger busyWorkers = new AtomicInteger();
  private final AtomicReference<Throwable> failure = new AtomicReference<>();
  private volatile Body body;
  private volatile int taskCount;
  private volatile long generation;
  private volatile boolean closed;

  /** @param threads threads that run tasks, the caller included (>= 1) */
  public ParallelLoop(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("a parallel loop needs at least one thread, got " + threads);
    }
    team = new Thread[threads - 1];
    for (int i = 0; i < team.length; i++) {
      int worker = i + 1;
      team[i] = Thread.ofPlatform().daemon().name("llm-kernel-" + worker).start(() -> work(worker));
    }
  }

  public int threads() {
    return team.length + 1;
  }

  /** Runs {@code body} for tasks 0..tasks-1 and returns when all have run; rethrows a task's failure. */
  public void run(int tasks, Body body) {
    if (tasks <= 0) {
      return;
    }
    if (team.length == 0 || tasks == 1) {
      for (int t = 0; t < tasks; t++) {
        body.run(t, 0);
      }
      return;
    }
    this.body = body;
    this.taskCount = tasks;
    nextTask.set(0);
    busyWorkers.set(team.length);
    generation++;
    for (Thread thread : team) {
      LockSupport.unpark(thread);
    }
    runTasks(body, tasks, 0);
    while (busyWorkers.get() > 0) {
      Thread.onSpinWait();
    }
    this.body = null;
    Throwable failed = failure.getAndSet(null);
    if (failed instanceof RuntimeException e) {
      throw e;
    } else if (failed instanceof Error e) {
      throw e;
    } else if (failed != null) {
      throw new IllegalStateException(failed);
    }
  }

  private void runTasks(Body body, int tasks, int worker) {
    int task;
    while ((task = nextTask.getAndIncrement()) < tasks) {
      try {
        body.run(task, worker);
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      }
    }
  }

  private void work(int worker) {
    long seen = 0;
    while (!closed) {
      long spinUntil = System.nanoTime() + SPIN_NANOS;
      while (generation == seen && !closed) {
        if (System.nanoTime() < spinUntil) {
          Thread.onSpinWait();
        } else {
          LockSupport.park(this);
        }
      }
      if (closed) {
        return;
      }
      seen = generation;
      runTasks(body, taskCount, worker);
      busyWorkers.decrementAndGet();
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Thread thread : team) {
      LockSupport.unpark(thread);
    }
  }
}
