package dev.varco.eval.data;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The five Korean benchmarks of the VARCO-VISION paper, with the split NCSOFT publishes and the
 * score the paper reports for VARCO-VISION-14B.
 */
public enum Benchmark {
  K_MMBENCH("k-mmbench", "K-MMBench", "NCSOFT/K-MMBench", "dev", 82.21),
  K_SEED("k-seed", "K-SEED", "NCSOFT/K-SEED", "test", 75.39),
  K_MMSTAR("k-mmstar", "K-MMStar", "NCSOFT/K-MMStar", "val", 57.33),
  K_DTCBENCH("k-dtcbench", "K-DTCBench", "NCSOFT/K-DTCBench", "test", 84.58),
  K_LLAVA_W("k-llava-w", "K-LLaVA-W", "NCSOFT/K-LLaVA-W", "test", 84.74);

  public final String cliName;
  public final String title;
  public final String dataset;
  public final String split;
  public final double paperScore;

  Benchmark(String cliName, String title, String dataset, String split, double paperScore) {
    this.cliName = cliName;
    this.title = title;
    this.dataset = dataset;
    this.split = split;
    this.paperScore = paperScore;
  }

  /** Multiple choice, scored by the extracted letter; K-LLaVA-W is open-ended and judged instead. */
  public boolean multipleChoice() {
    return this != K_LLAVA_W;
  }

  public static Benchmark byName(String name) {
    for (Benchmark benchmark : values()) {
      if (benchmark.cliName.equalsIgnoreCase(name) || benchmark.title.equalsIgnoreCase(name)) {
        return benchmark;
      }
    }
    throw new IllegalArgumentException("unknown benchmark '" + name + "' (one of: " + names() + ")");
  }

  public static String names() {
    return Arrays.stream(values()).map(b -> b.cliName).collect(Collectors.joining(", "));
  }
}
