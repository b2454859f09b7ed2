package dev.varco.eval.cli;

import dev.varco.eval.client.ChatClient;
import dev.varco.eval.data.Benchmark;
import dev.varco.eval.data.DatasetException;
import dev.varco.eval.data.DatasetFiles;
import dev.varco.eval.data.RowSource;
import dev.varco.eval.prompt.PromptStyle;
import dev.varco.eval.run.EvalRunner;
import dev.varco.eval.run.EvalSettings;
import dev.varco.eval.run.ResultsFile;
import dev.varco.eval.score.MarkdownReport;
import dev.varco.eval.score.PaperTable;
import dev.varco.eval.score.RunSummary;
import dev.varco.eval.score.Scoreboard;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * {@code ./varco eval}: one benchmark file against one OpenAI-compatible endpoint. Exit status 0
 * when the run finished (some items may have failed: the report says how many), 1 when it could
 * not run or was stopped (bad file, endpoint unreachable), 2 for bad usage.
 */
public final class EvalCommand {
  static final String USAGE = """
      usage: ./varco eval --benchmark NAME --data PATH [options]

        --benchmark NAME      k-mmbench | k-seed | k-mmstar | k-dtcbench | k-llava-w
        --data PATH           the published file: Hugging Face parquet (a file, or the folder holding
                              its shards) or a VLMEvalKit TSV with base64 images
        --base-url URL        OpenAI-compatible endpoint (default http://127.0.0.1:8080)
        --api-key KEY         sent as 'Authorization: Bearer KEY' (default: env VARCO_API_KEY)
        --model NAME          model name to send (default: the first of GET /v1/models)
        --limit N             only the first N items of the file
        --concurrency C       requests in flight at once (default 4)
        --out DIR             output folder (default eval-results/<benchmark>); a second run into
                              the same folder resumes: finished items are not asked again
        --max-tokens N        answer length limit (default 128; 1024 for k-llava-w)
        --prompt-style S      card (NCSOFT's dataset-card prompts, default) | vlmevalkit
        --timeout SECONDS     per request (default 600)
        --max-retries N       retries of a 429/503/dropped request (default 8)
        --judge-url URL       K-LLaVA-W judge endpoint (OpenAI-compatible)
        --judge-model NAME    judge model name (default: the first of the judge's /v1/models)
        --judge-api-key KEY   judge key (default: env VARCO_JUDGE_API_KEY)
        --rescore             score the answers already in --out again (after an extraction change),
                              without asking the endpoint

      ./varco eval --table DIR  the paper's five-benchmark table from the runs under DIR (DIR/<benchmark>/)
      """;

  private EvalCommand() {}

  public static void main(String[] args) {
    System.exit(run(args, System.out, System.err, System.console() != null));
  }

  public static int run(String[] args, PrintStream out, PrintStream err, boolean terminal) {
    Map<String, String> options;
    Benchmark benchmark;
    try {
      options = parse(args);
      if (options.containsKey("help")) {
        out.print(USAGE);
        return 0;
      }
      if (options.containsKey("table")) {
        try {
          out.print(PaperTable.render(Path.of(options.get("table"))));
          return 0;
        } catch (IOException e) {
          err.println("eval: " + e.getMessage());
          return 1;
        }
      }
      benchmark = Benchmark.byName(required(options, "benchmark"));
    } catch (IllegalArgumentException e) {
      err.println("eval: " + e.getMessage());
      err.print(USAGE);
      return 2;
    }
    try {
      Path outDir = Path.of(options.getOrDefault("out", "eval-results/" + benchmark.cliName));
      if (options.containsKey("rescore")) {
        return rescore(benchmark, outDir, out);
      }
      String baseUrl = options.getOrDefault("base-url", "http://127.0.0.1:8080");
      Duration timeout = Duration.ofSeconds(number(options, "timeout", 600));
      int retries = (int) number(options, "max-retries", 8);
      int concurrency = (int) number(options, "concurrency", 4);
      ChatClient client = new ChatClient(baseUrl, options.getOrDefault("api-key", System.getenv("VARCO_API_KEY")), timeout, retries,
          concurrency);
      String model = options.containsKey("model") ? options.get("model") : client.firstModel();
      ChatClient judge = null;
      String judgeModel = null;
      if (options.containsKey("judge-url")) {
        judge = new ChatClient(options.get("judge-url"), options.getOrDefault("judge-api-key", System.getenv("VARCO_JUDGE_API_KEY")),
            timeout, retries, concurrency);
        judgeModel = options.containsKey("judge-model") ? options.get("judge-model") : judge.firstModel();
      }
      EvalSettings settings = new EvalSettings(benchmark,
          PromptStyle.byName(options.getOrDefault("prompt-style", "card")), client, model,
          (int) number(options, "max-tokens", benchmark.multipleChoice() ? 128 : 1024),
          number(options, "limit", Long.MAX_VALUE), concurrency, outDir, judge, judgeModel);
      Path data = Path.of(required(options, "data"));
      RowSource source = DatasetFiles.open(data);
      err.println("[eval] " + benchmark.title + ": " + source.rowCount() + " items in " + data + "; asking "
          + (model == null ? "the served model" : model) + " at " + baseUrl + " with " + settings.concurrency() + " in flight");
      EvalRunner.Outcome outcome = new EvalRunner(settings, err, terminal).run(source, data.toString());
      err.println("[eval] asked " + outcome.askedNow() + " items now, " + (outcome.results().size() - outcome.askedNow())
          + " were finished before");
      String who = (model == null ? "served model" : model) + " at " + baseUrl;
      return report(new Scoreboard(benchmark, outcome.results()), who, outcome.totalItems(), outcome.retries(), outDir, out);
    } catch (IllegalArgumentException e) {
      err.println("eval: " + e.getMessage());
      return 2;
    } catch (DatasetException | IOException e) {
      err.println("eval: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("eval: interrupted; the same command resumes");
      return 1;
    }
  }

  private static int rescore(Benchmark benchmark, Path outDir, PrintStream out) throws IOException {
    Path items = outDir.resolve("items.jsonl");
    if (!Files.exists(items)) {
      throw new IOException(items + ": no answers to score (run without --rescore first)");
    }
    var rescored = new java.util.ArrayList<dev.varco.eval.run.ItemResult>();
    try (ResultsFile results = new ResultsFile(items)) {
      for (var r : results.latest().values()) {
        rescored.add(Rescore.of(r));
      }
    }
    Path rewritten = outDir.resolve("items.jsonl.rescoring");
    Files.deleteIfExists(rewritten);
    try (ResultsFile results = new ResultsFile(rewritten)) {
      for (var r : rescored) {
        results.append(r);
      }
    }
    Files.move(rewritten, items, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    // Keep what the run evaluated and how many items its set has, from the run's own summary.
    Path summary = outDir.resolve("summary.json");
    RunSummary earlier = Files.exists(summary) ? RunSummary.read(summary) : null;
    return report(new Scoreboard(benchmark, rescored), earlier == null ? "answers in " + outDir : earlier.who(),
        earlier == null ? rescored.size() : earlier.totalItems(), 0, outDir, out);
  }

  private static int report(Scoreboard board, String who, long total, long retries, Path outDir, PrintStream out) throws IOException {
    String markdown = MarkdownReport.render(board, who, total, retries);
    Files.writeString(outDir.resolve("report.md"), markdown, StandardCharsets.UTF_8);
    RunSummary.of(board, who, total).write(outDir.resolve("summary.json"));
    out.print(markdown);
    out.println();
    out.println("Per-item answers: " + outDir.resolve("items.jsonl") + "; this report: " + outDir.resolve("report.md"));
    return 0;
  }

  static Map<String, String> parse(String[] args) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      if (arg.equals("-h") || arg.equals("--help")) {
        options.put("help", "");
        continue;
      }
      if (!arg.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + arg + "'");
      }
      String name = arg.substring(2);
      if (name.equals("rescore")) {
        options.put(name, "");
        continue;
      }
      if (!KNOWN.contains(name)) {
        throw new IllegalArgumentException("unknown option --" + name);
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("--" + name + " needs a value");
      }
      options.put(name, args[++i]);
    }
    return options;
  }

  private static final java.util.Set<String> KNOWN = java.util.Set.of("benchmark", "data", "base-url", "api-key", "model",
      "limit", "concurrency", "out", "max-tokens", "prompt-style", "timeout", "max-retries", "judge-url", "judge-model",
      "judge-api-key", "table");

  private static String required(Map<String, String> options, String name) {
    String value = options.get(name);
    if (value == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return value;
  }

  private static long number(Map<String, String> options, String name, long fallback) {
    String value = options.get(name);
    if (value == null) {
      return fallback;
    }
    try {
      long n = Long.parseLong(value);
      if (n < 1) {
        throw new IllegalArgumentException("--" + name + " must be at least 1, not " + value);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + name + " must be a whole number, not '" + value + "'");
    }
  }
}
