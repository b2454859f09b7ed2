package dev.varco.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RendezvousTest {
  private static final List<String> FOUR = List.of("10.1.0.11:9001", "10.1.0.12:9001", "10.1.0.13:9001", "10.1.0.14:9001");

  private static Map<String, String> place(int conversations, List<String> replicas) {
    Map<String, String> placed = new HashMap<>();
    for (int i = 0; i < conversations; i++) {
      String key = Affinity.conversation("conv_" + Integer.toHexString(i * 7919)).key();
      placed.put(key, Rendezvous.pick(key, replicas));
    }
    return placed;
  }

  private static Map<String, Integer> counts(Map<String, String> placed) {
    Map<String, Integer> counts = new HashMap<>();
    placed.values().forEach(r -> counts.merge(r, 1, Integer::sum));
    return counts;
  }

  @Test
  void athousandConversationsSpreadOverFourReplicasWithinFifteenPercent() {
    Map<String, Integer> counts = counts(place(1000, FOUR));
    assertEquals(4, counts.size());
    counts.forEach((replica, n) -> assertTrue(n >= 213 && n <= 287, replica + " holds " + n + " of 1000: " + counts));
  }

  @Test
  void removingAReplicaMovesOnlyItsConversations() {
    Map<String, String> before = place(1000, FOUR);
    String gone = FOUR.get(2);
    Map<String, String> after = place(1000, FOUR.stream().filter(r -> !r.equals(gone)).toList());
    int moved = 0;
    for (var entry : before.entrySet()) {
      if (entry.getValue().equals(gone)) {
        moved++;
      } else {
        assertEquals(entry.getValue(), after.get(entry.getKey()), "a conversation on a surviving replica stays");
      }
    }
    assertTrue(moved >= 213 && moved <= 287, "about a quarter moves: " + moved);
    // The moved ones spread over the three left rather than piling onto one.
    Map<String, Integer> landed = new HashMap<>();
    before.forEach((key, replica) -> {
      if (replica.equals(gone)) {
        landed.merge(after.get(key), 1, Integer::sum);
      }
    });
    assertEquals(3, landed.size(), landed.toString());
  }

  @Test
  void addingAReplicaTakesOnlyWhatItWins() {
    Map<String, String> before = place(1000, FOUR);
    List<String> five = new ArrayList<>(FOUR);
    five.add("10.1.0.15:9001");
    Map<String, String> after = place(1000, five);
    int moved = 0;
    for (var entry : before.entrySet()) {
      if (!entry.getValue().equals(after.get(entry.getKey()))) {
        assertEquals("10.1.0.15:9001", after.get(entry.getKey()), "a conversation only moves to the new replica");
        moved++;
      }
    }
    assertTrue(moved >= 170 && moved <= 230, "about a fifth moves: " + moved);
  }

  @Test
  void thePickDoesNotDependOnTheOrderReplicasAreListedIn() {
    List<String> shuffled = new ArrayList<>(FOUR);
    Collections.shuffle(shuffled, new Random(7));
    assertEquals(place(200, FOUR), place(200, shuffled));
    assertNull(Rendezvous.pick("conversation:x", List.of()));
  }
}
