package dev.varco.llm.api;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.llm.TinyModelResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.quarkus.test.junit.main.Launch;
import io.quarkus.test.junit.main.LaunchResult;
import io.quarkus.test.junit.main.QuarkusMainTest;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Start-up refuses a KV budget that does not fit the JVM's direct-memory limit (this JVM runs
 * with -XX:MaxDirectMemorySize=192m, the pom's {@code small-direct-memory} execution): the
 * application does not start and the message names both settings.
 */
@Tag("small-direct-memory")
@QuarkusMainTest
@TestProfile(KvBudgetStartupRefusalTest.OverTheLimit.class)
@QuarkusTestResource(TinyModelResource.class)
class KvBudgetStartupRefusalTest {
  public static class OverTheLimit implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("varco.llm.kv-cache.max-bytes", "1G", "varco.llm.kv-cache.direct-memory-headroom", "64M");
    }
  }

  @Test
  @Launch(value = {}, exitCode = 1)
  void anInconsistentPairStopsStartUp(LaunchResult result) {
    assertNotEquals(0, result.exitCode());
    String output = result.getOutput() + result.getErrorOutput();
    for (String part : new String[] {"varco.llm.kv-cache.max-bytes=1G", "varco.llm.kv-cache.direct-memory-headroom=64M",
        "-XX:MaxDirectMemorySize=192M", "-XX:MaxDirectMemorySize=1088M"}) {
      assertTrue(output.contains(part), part + " in: " + output);
    }
  }
}
