package dev.varco.llm.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The KV budget and the JVM's direct-memory limit agree, or start-up is refused naming both. Runs
 * in the pom's {@code small-direct-memory} execution, started with -XX:MaxDirectMemorySize=192m, so
 * the limit read here is a real JVM's.
 */
@Tag("small-direct-memory")
class KvMemoryBudgetTest {
  private static final long MIB = 1L << 20;
  private static final long GIB = 1L << 30;

  @Test
  void readsThisJvmsLimitFromTheFlag() {
    DirectMemoryLimit limit = DirectMemoryLimit.ofThisJvm();
    assertEquals(192 * MIB, limit.bytes());
    assertEquals("-XX:MaxDirectMemorySize=192M", limit.source());
  }

  @Test
  void aBudgetOverTheLimitIsRefusedNamingBothSettings() {
    var e = assertThrows(IllegalStateException.class,
        () -> KvMemoryBudget.resolve(Optional.of(8 * GIB), GIB, DirectMemoryLimit.ofThisJvm()));
    String message = e.getMessage();
    for (String part : new String[] {"varco.llm.kv-cache.max-bytes=8G", "varco.llm.kv-cache.direct-memory-headroom=1G",
        "-XX:MaxDirectMemorySize=192M", "-XX:MaxDirectMemorySize=9G"}) {
      assertTrue(message.contains(part), part + " in: " + message);
    }
    // Over by one byte is over.
    assertThrows(IllegalStateException.class,
        () -> KvMemoryBudget.resolve(Optional.of(128 * MIB + 1), 64 * MIB, DirectMemoryLimit.ofThisJvm()));
    assertEquals(128 * MIB, KvMemoryBudget.resolve(Optional.of(128 * MIB), 64 * MIB, DirectMemoryLimit.ofThisJvm()).bytes());
  }

  @Test
  void anUnsetBudgetIsTheLimitLessTheHeadroom() {
    assertEquals(128 * MIB, KvMemoryBudget.resolve(Optional.empty(), 64 * MIB, DirectMemoryLimit.ofThisJvm()).bytes());
    var e = assertThrows(IllegalStateException.class,
        () -> KvMemoryBudget.resolve(Optional.empty(), GIB, DirectMemoryLimit.ofThisJvm()));
    assertTrue(e.getMessage().contains("-XX:MaxDirectMemorySize=192M")
        && e.getMessage().contains("varco.llm.kv-cache.direct-memory-headroom=1G"), e.getMessage());
  }

  @Test
  void theJdkDefaultLimitIsTheMaxHeap() {
    var limit = new DirectMemoryLimit(Runtime.getRuntime().maxMemory(), "x");
    assertEquals(Runtime.getRuntime().maxMemory() - GIB / 2,
        KvMemoryBudget.resolve(Optional.empty(), GIB / 2, limit).bytes());
  }

  /** The launcher sizes -XX:MaxDirectMemorySize from the budget it is given: the pair always passes. */
  @Test
  void theLauncherSizesTheLimitFromTheBudget() throws Exception {
    long defaultLimit = launcherLimit(Map.of());
    assertEquals(8 * GIB, KvMemoryBudget.resolve(Optional.empty(), GIB, new DirectMemoryLimit(defaultLimit, "launcher")).bytes());
    long limit = launcherLimit(Map.of(
        "VARCO_LLM_KV_CACHE_MAX_BYTES", "3g", "VARCO_LLM_KV_CACHE_DIRECT_MEMORY_HEADROOM", "512M"));
    assertEquals(3 * GIB + 512 * MIB, limit);
    assertEquals(3 * GIB, KvMemoryBudget.resolve(Optional.of(3 * GIB), 512 * MIB, new DirectMemoryLimit(limit, "launcher")).bytes());
    var e = assertThrows(IllegalStateException.class, () -> launcherLimit(Map.of("VARCO_LLM_KV_CACHE_MAX_BYTES", "lots")));
    assertTrue(e.getMessage().contains("VARCO_LLM_KV_CACHE_MAX_BYTES"), e.getMessage());
  }

  /** -XX:MaxDirectMemorySize from {@code ./varco flags llm-service}, in bytes. */
  private static long launcherLimit(Map<String, String> env) throws IOException, InterruptedException {
    Path repo = Path.of("..").toAbsolutePath().normalize();
    ProcessBuilder builder = new ProcessBuilder(repo.resolve("varco").toString(), "flags", "llm-service")
        .directory(repo.toFile()).redirectErrorStream(true);
    builder.environment().put("VARCO_STATE_DIR", Path.of("target", "launcher-state").toAbsolutePath().toString());
    builder.environment().remove("VARCO_LLM_KV_CACHE_MAX_BYTES");
    builder.environment().remove("VARCO_LLM_KV_CACHE_DIRECT_MEMORY_HEADROOM");
    builder.environment().putAll(env);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    if (process.exitValue() != 0) {
      throw new IllegalStateException(output);
    }
    String flag = Arrays.stream(output.split("\\s+")).filter(f -> f.startsWith("-XX:MaxDirectMemorySize="))
        .reduce((first, last) -> last).orElseThrow(() -> new AssertionError("no -XX:MaxDirectMemorySize in: " + output));
    return Long.parseLong(flag.substring(flag.indexOf('=') + 1));
  }
}
