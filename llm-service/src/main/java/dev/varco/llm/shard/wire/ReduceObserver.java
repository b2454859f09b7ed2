package dev.varco.llm.shard.wire;

/** What the coordinator reports of each all-reduce (for metrics); called on the model thread. */
public interface ReduceObserver {
  ReduceObserver NONE = (nanos, sent, received) -> {};

  /**
   * @param nanos from this rank's partial sum being ready to the sum sent to every worker (the
   *     wait for the slowest worker included)
   * @param bytesSent bytes of the sums sent to the workers
   * @param bytesReceived bytes of the workers' partial sums
   */
  void reduced(long nanos, long bytesSent, long bytesReceived);
}
