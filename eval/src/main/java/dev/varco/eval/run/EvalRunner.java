package dev.varco.eval.run;

import dev.varco.eval.answer.ChoiceExtractor;
import dev.varco.eval.client.ChatClient;
import dev.varco.eval.client.ChatFailure;
import dev.varco.eval.data.Benchmark;
import dev.varco.eval.data.DatasetException;
import dev.varco.eval.data.Item;
import dev.varco.eval.data.ItemMapper;
import dev.varco.eval.data.RowSource;
import dev.varco.eval.judge.JudgePrompt;
import dev.varco.eval.judge.JudgeScores;
import dev.varco.eval.prompt.ImageDataUrl;
import dev.varco.eval.prompt.PromptBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a benchmark against an endpoint: reads the file row by row, skips items an earlier run of
 * the same output folder finished (a K-LLaVA-W item answered but not judged is only judged
 * again), asks up to {@code concurrency} items at once (at most twice
 * that many read ahead, so images never pile up in memory), scores and appends each answer.
 * A failure of one item (a 400 for its image, a judge that gave no scores) is recorded and the
 * run goes on; a failure that every item would hit (endpoint unreachable, 401/403/404) stops it.
 */
public final class EvalRunner {
  /** What the run did: the items it covered (finished now or before) and how many it asked now. */
  public record Outcome(List<ItemResult> results, long totalItems, long askedNow, long retries) {}

  private final EvalSettings settings;
  private final PromptBuilder prompts;
  private final PrintStream log;
  private final boolean terminal;

  public EvalRunner(EvalSettings settings, PrintStream log, boolean terminal) {
    this.settings = settings;
    this.prompts = new PromptBuilder(settings.benchmark(), settings.promptStyle());
    this.log = log;
    this.terminal = terminal;
  }

  public Outcome run(RowSource source, String sourceName) throws IOException, InterruptedException {
    Benchmark benchmark = settings.benchmark();
    ItemMapper mapper = new ItemMapper(benchmark, sourceName, source.columns());
    RunInfo.checkOrWrite(settings.outDir(), benchmark, sourceName);
    long total = Math.min(settings.limit(), source.rowCount());
    Set<String> covered = new LinkedHashSet<>();
    AtomicReference<Exception> fatal = new AtomicReference<>();
    long[] asked = {0};
    try (ResultsFile results = new ResultsFile(settings.outDir().resolve("items.jsonl"))) {
      Progress progress = new Progress(benchmark.cliName, total, log, terminal);
      ExecutorService pool = Executors.newFixedThreadPool(settings.concurrency());
      Semaphore readAhead = new Semaphore(settings.concurrency() * 2);
      try {
        source.forEach(row -> {
          if (covered.size() >= total || fatal.get() != null) {
            return false;
          }
          Item item = mapper.map(row);
          covered.add(item.id());
          ItemResult earlier = results.get(item.id());
          if (earlier != null && earlier.done()) {
            progress.skipped();
            return true;
          }
          try {
            readAhead.acquire();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
          asked[0]++;
          pool.execute(() -> {
            try {
              if (fatal.get() != null) {
                return;
              }
              ItemResult result = answeredButNotJudged(earlier)
                  ? judged(item, earlier.prompt(), earlier.rawAnswer(), System.nanoTime(), fatal)
                  : evaluate(item, fatal);
              results.append(result);
              progress.finished(points(result));
            } catch (IOException | RuntimeException e) {
              fatal.compareAndSet(null, e);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            } finally {
              readAhead.release();
            }
          });
          return true;
        });
      } finally {
        pool.shutdown();
        pool.awaitTermination(365, TimeUnit.DAYS);
        progress.end();
      }
      Exception stop = fatal.get();
      if (stop instanceof DatasetException de) {
        throw de;
      }
      if (stop != null) {
        throw new IOException("run stopped: " + stop.getMessage() + "; items finished so far are kept in "
            + settings.outDir().resolve("items.jsonl") + " and the same command resumes from there", stop);
      }
      List<ItemResult> ofThisRun = new ArrayList<>();
      for (String id : covered) {
        Optional.ofNullable(results.get(id)).ifPresent(ofThisRun::add);
      }
      long retries = settings.client().retries() + (settings.judge() == null ? 0 : settings.judge().retries());
      return new Outcome(ofThisRun, total, asked[0], retries);
    }
  }

  private ItemResult evaluate(Item item, AtomicReference<Exception> fatal) throws InterruptedException {
    String prompt = prompts.prompt(item);
    long start = System.nanoTime();
    String answer;
    try {
      answer = settings.client().complete(settings.model(), ImageDataUrl.of(item.image()), prompt, settings.maxTokens());
    } catch (ChatFailure e) {
      if (stopsTheRun(e)) {
        fatal.compareAndSet(null, e);
      }
      return failed(item, prompt, null, e.getMessage(), start);
    }
    if (!settings.benchmark().multipleChoice()) {
      return judged(item, prompt, answer, start, fatal);
    }
    ChoiceExtractor.Choice choice = ChoiceExtractor.extract(answer, item.options());
    return new ItemResult(item.id(), item.category(), prompt, item.options(), answer, choice.letter(), choice.rule(),
        item.answer(), item.answer().equals(choice.letter()), null, null, null, null, seconds(start));
  }

  private ItemResult judged(Item item, String prompt, String answer, long start, AtomicReference<Exception> fatal)
      throws InterruptedException {
    if (settings.judge() == null) {
      return failed(item, prompt, answer, "not judged: K-LLaVA-W needs --judge-url (the answer is kept here)", start);
    }
    String judgement;
    try {
      judgement = settings.judge().complete(settings.judgeModel(), null, JudgePrompt.of(item, answer), 1024);
    } catch (ChatFailure e) {
      if (stopsTheRun(e)) {
        fatal.compareAndSet(null, e);
      }
      return failed(item, prompt, answer, "judge: " + e.getMessage(), start);
    }
    Optional<JudgeScores> scores = JudgeScores.parse(judgement);
    if (scores.isEmpty()) {
      return new ItemResult(item.id(), item.category(), prompt, null, answer, null, null, null, null, judgement, null, null,
          "the judge's answer has no two 1-10 scores on a line", seconds(start));
    }
    return new ItemResult(item.id(), item.category(), prompt, null, answer, null, null, null, null, judgement,
        scores.get().reference(), scores.get().model(), null, seconds(start));
  }

  /** A K-LLaVA-W item whose answer came back but whose judgement did not: judge it again only. */
  private boolean answeredButNotJudged(ItemResult earlier) {
    return earlier != null && !settings.benchmark().multipleChoice() && earlier.rawAnswer() != null && settings.judge() != null;
  }

  private static boolean stopsTheRun(ChatFailure e) {
    return e.status() == 0 || e.status() == 401 || e.status() == 403 || e.status() == 404;
  }

  private static ItemResult failed(Item item, String prompt, String answer, String error, long start) {
    return new ItemResult(item.id(), item.category(), prompt, item.options().isEmpty() ? null : item.options(), answer,
        null, null, item.answer(), null, null, null, null, error, seconds(start));
  }

  /** 1/0 for a choice, the model's judge score for K-LLaVA-W, null for a failure. */
  private static Double points(ItemResult result) {
    if (!result.done()) {
      return null;
    }
    return result.correct() != null ? (result.correct() ? 1.0 : 0.0) : result.modelScore() / result.referenceScore();
  }

  private static double seconds(long start) {
    return Math.round((System.nanoTime() - start) / 1e7) / 100.0;
  }
}
