package dev.varco.llm.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The requests waiting for a running slot, fair across callers: one FIFO per caller, and the next
 * request is the head of the caller with the fewest requests running; among equals, the caller
 * served longest ago (never served goes first), so callers take turns. A caller with many long
 * generations therefore never keeps another caller's request behind all of its own: that request
 * gets the next slot that frees.
 */
final class CallerQueue {
  /** In arrival order of the callers, which breaks ties between callers never served. */
  private final Map<String, ArrayDeque<PreparedJob>> byCaller = new LinkedHashMap<>();
  /** Requests running per caller, for callers with any. */
  private final Map<String, Integer> running = new HashMap<>();
  /** When each active caller (waiting or running) was last served; absent = never. */
  private final Map<String, Long> lastServed = new HashMap<>();
  private long served;
  private int size;

  void add(PreparedJob job) {
    byCaller.computeIfAbsent(job.caller(), c -> new ArrayDeque<>()).add(job);
    size++;
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  /** The request that goes next, without taking it; null when none waits. */
  PreparedJob peek() {
    String caller = nextCaller();
    return caller == null ? null : byCaller.get(caller).peek();
  }

  /** Takes the request {@link #peek} named and counts it running for its caller until {@link #finished}. */
  PreparedJob poll() {
    String caller = nextCaller();
    if (caller == null) {
      return null;
    }
    ArrayDeque<PreparedJob> queue = byCaller.get(caller);
    PreparedJob job = queue.poll();
    if (queue.isEmpty()) {
      byCaller.remove(caller);
    }
    size--;
    running.merge(caller, 1, Integer::sum);
    lastServed.put(caller, ++served);
    return job;
  }

  /** A request {@link #poll} handed out left the model (finished, failed or cancelled). */
  void finished(PreparedJob job) {
    running.computeIfPresent(job.caller(), (c, n) -> n == 1 ? null : n - 1);
    forgetIfIdle(job.caller());
  }

  /** Removes the waiting requests {@code test} picks (cancelled ones); returns how many. */
  int removeIf(Predicate<PreparedJob> test) {
    int removed = 0;
    List<String> emptied = new ArrayList<>();
    for (Iterator<Map.Entry<String, ArrayDeque<PreparedJob>>> it = byCaller.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, ArrayDeque<PreparedJob>> entry = it.next();
      int before = entry.getValue().size();
      entry.getValue().removeIf(test);
      removed += before - entry.getValue().size();
      if (entry.getValue().isEmpty()) {
        it.remove();
        emptied.add(entry.getKey());
      }
    }
    emptied.forEach(this::forgetIfIdle);
    size -= removed;
    return removed;
  }

  /** Takes every waiting request, in no particular order. */
  List<PreparedJob> drain() {
    List<PreparedJob> all = new ArrayList<>(size);
    byCaller.values().forEach(all::addAll);
    byCaller.clear();
    size = 0;
    return all;
  }

  /** A caller with nothing waiting or running is forgotten, so the maps hold active callers only. */
  private void forgetIfIdle(String caller) {
    if (!running.containsKey(caller) && !byCaller.containsKey(caller)) {
      lastServed.remove(caller);
    }
  }

  private String nextCaller() {
    String best = null;
    int fewest = Integer.MAX_VALUE;
    long bestServed = Long.MAX_VALUE;
    for (String caller : byCaller.keySet()) {
      int now = running.getOrDefault(caller, 0);
      long last = lastServed.getOrDefault(caller, Long.MIN_VALUE);
      if (now < fewest || (now == fewest && last < bestServed)) {
        best = caller;
        fewest = now;
        bestServed = last;
      }
    }
    return best;
  }
}
