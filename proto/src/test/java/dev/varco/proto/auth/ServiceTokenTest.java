package dev.varco.proto.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The shared service token: what a configured value may be, what matches it, when to warn. */
class ServiceTokenTest {

  @Test
  void onlyTheSameSecretMatchesAndSurroundingWhitespaceIsNotPartOfIt() {
    ServiceToken token = ServiceToken.of("  s3cret-token\n");
    assertEquals("s3cret-token", token.value());
    assertTrue(token.matches("s3cret-token"));
    assertFalse(token.matches(null));
    assertFalse(token.matches(""));
    assertFalse(token.matches("s3cret-toke"));
    assertFalse(token.matches("s3cret-token2"));
    assertFalse(ServiceToken.of("ab?").matches("ab\u00e9"), "a non-ASCII guess is not read as '?'");
  }

  @Test
  void aBlankOrUnsendableTokenIsRefusedNamingTheKey() {
    var blank = assertThrows(IllegalArgumentException.class, () -> ServiceToken.of(" \n"));
    assertEquals("varco.service-token is set but blank: give it a secret or leave it unset", blank.getMessage());
    for (String unsendable : new String[] {"two words", "caf\u00e9", "tab\there"}) {
      var refused = assertThrows(IllegalArgumentException.class, () -> ServiceToken.of(unsendable));
      assertTrue(refused.getMessage().startsWith("varco.service-token must be printable ASCII"), refused.getMessage());
    }
  }

  @Test
  void aServiceBeyondLoopbackWithoutATokenIsWarnedAbout() {
    assertNull(ServiceToken.exposureWarning("llm-service", false, "127.0.0.1", "localhost"));
    assertNull(ServiceToken.exposureWarning("llm-service", true, "0.0.0.0", "0.0.0.0"));
    assertEquals("llm-service listens on 0.0.0.0 without varco.service-token: anyone who reaches its ports can call it."
            + " Set the same varco.service-token (VARCO_SERVICE_TOKEN) in every service, or bind it to loopback",
        ServiceToken.exposureWarning("llm-service", false, "127.0.0.1", "0.0.0.0"));
  }
}
