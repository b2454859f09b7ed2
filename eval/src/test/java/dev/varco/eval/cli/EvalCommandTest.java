package dev.varco.eval.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.eval.data.Benchmark;
import dev.varco.eval.data.SyntheticSets;
import dev.varco.eval.stack.LauncherStack;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Usage errors (exit 2) and runs that cannot go on (exit 1) say what is wrong. */
class EvalCommandTest {
  private static final Path DIR = Path.of("target", "test-data", "command");

  private record Run(int exit, String stdout, String stderr) {}

  private static Run eval(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = EvalCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
        false);
    return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void usageErrors() {
    Run unknown = eval("--benchmark", "k-vqa", "--data", "x.parquet");
    assertEquals(2, unknown.exit());
    assertTrue(unknown.stderr().startsWith("eval: unknown benchmark 'k-vqa' (one of: k-mmbench, k-seed, k-mmstar, k-dtcbench, k-llava-w)"),
        unknown.stderr());
    assertEquals("eval: --benchmark is required", eval("--data", "x").stderr().lines().findFirst().orElseThrow());
    assertEquals("eval: unknown option --temperature", eval("--temperature", "0").stderr().lines().findFirst().orElseThrow());
    assertEquals("eval: --limit must be a whole number, not 'ten'",
        eval("--benchmark", "k-seed", "--data", "x", "--limit", "ten").stderr().strip());
    assertEquals("eval: --concurrency must be at least 1, not 0",
        eval("--benchmark", "k-seed", "--data", "x", "--concurrency", "0").stderr().strip());
    assertTrue(eval("--help").stdout().contains("--judge-url URL"));
  }

  @Test
  void missingFileAndUnreachableEndpointStopTheRun() {
    int closedPort = LauncherStack.freePort();
    Run missing = eval("--benchmark", "k-seed", "--data", DIR.resolve("none.parquet").toString(), "--base-url",
        "http://127.0.0.1:" + closedPort, "--out", DIR.resolve("out-missing").toString());
    assertEquals(1, missing.exit());
    assertTrue(missing.stderr().contains("none.parquet: no such file"), missing.stderr());

    Path data = SyntheticSets.parquet(DIR.resolve("k-seed.parquet"), Benchmark.K_SEED, SyntheticSets.rows(Benchmark.K_SEED, 3));
    Run unreachable = eval("--benchmark", "k-seed", "--data", data.toString(), "--base-url", "http://127.0.0.1:" + closedPort,
        "--max-retries", "1", "--concurrency", "1", "--out", DIR.resolve("out-unreachable").toString());
    assertEquals(1, unreachable.exit(), unreachable.stderr());
    assertTrue(unreachable.stderr().contains("run stopped: http://127.0.0.1:" + closedPort + "/v1/chat/completions unreachable"),
        unreachable.stderr());
    assertTrue(unreachable.stderr().contains("the same command resumes from there"), unreachable.stderr());
  }
}
