package dev.varco.load.grpc;

import dev.varco.load.stream.Measurements;
import dev.varco.load.stream.StreamAnalysis;
import dev.varco.load.stream.StreamOutcome;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One gRPC server stream being timed: when it started, when each piece of output arrived, how it
 * ended. Recorded once, under its label, when it ends (final message, error or a cut).
 */
final class TimedStream {
  private final String label;
  private final long startMillis = System.currentTimeMillis();
  private final List<Long> outputTimes = new ArrayList<>();
  private boolean recorded;

  TimedStream(String label) {
    this.label = label;
  }

  /** A piece of output (a text delta, an embedding header) arrived now. */
  synchronized void output() {
    outputTimes.add(System.currentTimeMillis());
  }

  /** The final message arrived: the stream is complete with this many output tokens. */
  synchronized void done(long outputTokens) {
    record(Optional.empty(), outputTokens);
  }

  /** The call failed with this status. */
  synchronized void failed(Throwable error) {
    record(Optional.of("gRPC " + Status.fromThrowable(error).getCode()), outputTimes.size());
  }

  /** The server completed the call without its final message. */
  synchronized void completedWithoutFinal() {
    record(Optional.of(StreamAnalysis.CUT), outputTimes.size());
  }

  private void record(Optional<String> cause, long tokens) {
    if (recorded) {
      return;
    }
    recorded = true;
    long end = System.currentTimeMillis();
    long[] gaps = new long[Math.max(0, outputTimes.size() - 1)];
    for (int i = 1; i < outputTimes.size(); i++) {
      gaps[i - 1] = outputTimes.get(i) - outputTimes.get(i - 1);
    }
    long ttft = outputTimes.isEmpty() ? -1 : outputTimes.get(0) - startMillis;
    Measurements.record(label, new StreamOutcome(cause, ttft, gaps, end - startMillis, tokens), startMillis, end);
  }
}
