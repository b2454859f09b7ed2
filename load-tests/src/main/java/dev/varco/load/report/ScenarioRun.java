package dev.varco.load.report;

import dev.varco.load.stream.StreamStats;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One scenario's run: the streams by label, the stack before and after, and Gatling's HTML report.
 *
 * @param gatlingStatus Gatling's exit status (0 = the run completed)
 * @param chart the PNG of latency and throughput vs offered load, when the run had streams
 * @param samples RSS and queue gauges sampled during the run (empty for a remote stack)
 * @param recovery after a ramp (overload) run: how long until a probe answered normally again
 */
public record ScenarioRun(String scenario, Map<String, StreamStats.Snapshot> streams, StackSnapshot before, StackSnapshot after,
    Optional<Path> gatlingReport, int gatlingStatus, Optional<Path> chart, List<StackSampler.Sample> samples,
    Optional<RecoveryProbe.Recovery> recovery) {}
