package dev.varco.llm.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopStringMatcherTest {
  @Test
  void cutsAtAStopSpanningChunksAndNeverSendsIt() {
    StopStringMatcher m = new StopStringMatcher(List.of("END"));
    assertEquals("hello ", m.add("hello E"));
    assertEquals("", m.add("N"));
    assertEquals("", m.add("D and more"));
    assertTrue(m.matched());
    assertEquals("", m.add("later"));
  }

  @Test
  void holdsTextOnlyWhileItCouldStillBeAStop() {
    StopStringMatcher m = new StopStringMatcher(List.of("END", "xyz"));
    assertEquals("a", m.add("aE"));
    assertEquals("EX", m.add("X"));
    assertEquals("", m.add("x"));
    assertEquals("xa", m.add("a"));
    assertFalse(m.matched());
    assertEquals("b", m.add("bE"));
    assertEquals("E", m.flush());
  }

  @Test
  void earliestStopWins() {
    StopStringMatcher m = new StopStringMatcher(List.of("cd", "b"));
    assertEquals("a", m.add("abcd"));
    assertTrue(m.matched());
  }

  @Test
  void withoutStopsEverythingPassesThrough() {
    StopStringMatcher m = new StopStringMatcher(List.of());
    assertEquals("한국어", m.add("한국어"));
    assertEquals("", m.flush());
  }
}
