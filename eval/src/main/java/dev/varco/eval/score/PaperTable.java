package dev.varco.eval.score;

import dev.varco.eval.data.Benchmark;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * The paper's Korean-benchmark table (one column per benchmark) with VARCO-VISION-14B's published
 * row and this deployment's, gathered from the {@code summary.json} of each benchmark's run under
 * one folder ({@code <dir>/<benchmark>/summary.json}, the default {@code --out} layout).
 */
public final class PaperTable {
  private PaperTable() {}

  public static String render(Path dir) throws IOException {
    Map<Benchmark, RunSummary> runs = new EnumMap<>(Benchmark.class);
    for (Benchmark b : Benchmark.values()) {
      Path file = dir.resolve(b.cliName).resolve("summary.json");
      if (Files.exists(file)) {
        runs.put(b, RunSummary.read(file));
      }
    }
    if (runs.isEmpty()) {
      throw new IOException(dir + ": no <benchmark>/summary.json under this folder (run ./varco eval with --out " + dir
          + "/<benchmark> first)");
    }
    StringBuilder header = new StringBuilder("| Model |");
    StringBuilder rule = new StringBuilder("| --- |");
    StringBuilder paper = new StringBuilder("| VARCO-VISION-14B (paper) |");
    StringBuilder ours = new StringBuilder("| ").append(runs.values().iterator().next().who().replace("|", "\\|")).append(" |");
    boolean partial = false;
    for (Benchmark b : Benchmark.values()) {
      header.append(' ').append(b.title).append(" |");
      rule.append(" ---: |");
      paper.append(' ').append(MarkdownReport.number(b.paperScore)).append(" |");
      RunSummary run = runs.get(b);
      if (run == null) {
        ours.append(" - |");
      } else {
        ours.append(' ').append(MarkdownReport.number(run.score())).append(run.complete() ? "" : "*").append(" |");
        partial |= !run.complete();
      }
    }
    String table = header + "\n" + rule + "\n" + paper + "\n" + ours + "\n";
    return partial ? table + "\n\\* partial run: not every item of the set was scored.\n" : table;
  }
}
