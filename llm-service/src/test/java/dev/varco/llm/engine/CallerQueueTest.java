package dev.varco.llm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Who gets the next free running slot: the waiting caller with the fewest running, in turns among equals. */
class CallerQueueTest {
  private static PreparedJob job(String caller, String id) {
    return new PreparedJob(id, caller, null, List.of(), 1, null, List.of(), null, new GenerationTicket(), 0, true);
  }

  @Test
  void aNewCallerGetsTheNextSlotBeforeTheWaitingRequestsOfACallerAlreadyRunning() {
    CallerQueue queue = new CallerQueue();
    for (int i = 0; i < 6; i++) {
      queue.add(job("alice", "a" + i));
    }
    List<PreparedJob> running = new ArrayList<>();
    for (int i = 0; i < 4; i++) { // alice takes every slot while she is alone
      running.add(queue.poll());
    }
    queue.add(job("bob", "b0"));
    queue.add(job("bob", "b1"));
    queue.finished(running.removeFirst()); // one slot frees
    assertEquals("b0", queue.poll().requestId(), "bob (0 running) goes before alice (3 running)");
    queue.finished(running.removeFirst());
    // alice 2 running, bob 1: bob again
    assertEquals("b1", queue.poll().requestId());
    queue.finished(running.removeFirst());
    assertEquals("a4", queue.poll().requestId(), "alice's own requests stay in her order");
    assertEquals("a5", queue.poll().requestId());
    assertTrue(queue.isEmpty());
    assertNull(queue.poll());
  }

  @Test
  void callersWithEqualRunningTakeTurns() {
    CallerQueue queue = new CallerQueue();
    for (int i = 0; i < 3; i++) {
      queue.add(job("alice", "a" + i));
    }
    for (int i = 0; i < 3; i++) {
      queue.add(job("bob", "b" + i));
    }
    queue.add(job("", "anon"));
    List<String> order = new ArrayList<>();
    while (!queue.isEmpty()) {
      PreparedJob next = queue.peek();
      PreparedJob taken = queue.poll();
      assertEquals(next, taken, "peek names what poll takes");
      order.add(taken.requestId());
      queue.finished(taken); // one slot: each request runs alone
    }
    assertEquals(List.of("a0", "b0", "anon", "a1", "b1", "a2", "b2"), order);
  }

  @Test
  void cancelledRequestsLeaveAndAreCounted() {
    CallerQueue queue = new CallerQueue();
    PreparedJob gone = job("alice", "a0");
    queue.add(gone);
    queue.add(job("alice", "a1"));
    queue.add(job("bob", "b0"));
    gone.ticket().cancel();
    assertEquals(1, queue.removeIf(j -> j.ticket().isCancelled()));
    assertEquals(2, queue.size());
    assertEquals("a1", queue.poll().requestId());
    assertEquals(List.of("b0"), queue.drain().stream().map(PreparedJob::requestId).toList());
    assertTrue(queue.isEmpty());
  }
}
