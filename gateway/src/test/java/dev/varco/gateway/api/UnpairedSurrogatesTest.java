package dev.varco.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Text that is not Unicode (a lone UTF-16 surrogate) is found, with the field holding it. */
class UnpairedSurrogatesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static UnpairedSurrogates.Found find(String json) throws Exception {
    return UnpairedSurrogates.find(JSON.readTree(json));
  }

  @Test
  void loneHighOrLowSurrogatesAreFoundWithTheirField() throws Exception {
    UnpairedSurrogates.Found high = find("{\"messages\":[{\"role\":\"user\",\"content\":\"ab\\ud83d\"}]}");
    assertEquals("messages[0].content", high.path());
    assertEquals(2, high.index());
    assertEquals("messages[1].content[0].text",
        find("{\"messages\":[{},{\"content\":[{\"type\":\"text\",\"text\":\"\\ude00x\"}]}]}").path());
    assertEquals("", find("\"\\ud800\"").path());
    UnpairedSurrogates.Found reversed = find("{\"t\":\"\\ude00\\ud83d\"}");
    assertEquals(0, reversed.index(), "a low surrogate before its high one pairs with nothing");
  }

  @Test
  void aFieldNameCountsToo() throws Exception {
    UnpairedSurrogates.Found name = find("{\"metadata\":{\"\\ud800\":\"v\"}}");
    assertEquals("metadata", name.path());
    assertTrue(name.inName());
    assertTrue(name.message().startsWith("metadata: a field name holds an unpaired UTF-16 surrogate"), name.message());
  }

  @Test
  void pairsAndPlainTextPass() throws Exception {
    assertNull(find("{\"a\":\"\\ud83d\\ude00 한국어\",\"b\":[1,true,null,\"x\"]}"));
    assertEquals(-1, UnpairedSurrogates.unpaired("😀"));
  }
}
