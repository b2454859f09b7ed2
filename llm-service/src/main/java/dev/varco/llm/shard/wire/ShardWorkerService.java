package dev.varco.llm.shard.wire;

import dev.varco.llm.shard.ShardPlan;
import dev.varco.llm.transformer.PartialSums;
import dev.varco.llm.transformer.TransformerForward;
import dev.varco.proto.shard.v1.CoordinatorMessage;
import dev.varco.proto.shard.v1.DecoderShardGrpc;
import dev.varco.proto.shard.v1.JoinReply;
import dev.varco.proto.shard.v1.JoinRequest;
import dev.varco.proto.shard.v1.WorkerMessage;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A worker rank's DecoderShard service: answers Join with its rank, shard count and model digest
 * (refusing a coordinator that expects otherwise), and runs the passes of one Run session at a
 * time on its single model thread. A new session replaces the old one (a restarted coordinator
 * takes over; the old session's KV slices are dropped).
 */
public final class ShardWorkerService extends DecoderShardGrpc.DecoderShardImplBase implements AutoCloseable {
  private final ShardPlan plan;
  private final String modelDigest;
  private final TransformerForward forward;
  private final ExecutorService modelThread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "shard-model");
    t.setDaemon(true);
    return t;
  });
  /** The session the model thread runs now (read only there). */
  private volatile WorkerSession current;
  /** The newest session, which a newer one replaces. */
  private WorkerSession latest;

  /** {@code forward} must run {@code plan}'s slice and add its partial sums through {@link #partialSums()}. */
  public ShardWorkerService(ShardPlan plan, String modelDigest, java.util.function.Function<PartialSums, TransformerForward> forward) {
    this.plan = plan;
    this.modelDigest = modelDigest;
    this.forward = forward.apply((layer, point, rows, count, width) -> current.allReduce(layer, point, rows, count, width));
  }

  @Override
  public void join(JoinRequest request, StreamObserver<JoinReply> reply) {
    if (request.getShards() != plan.shards() || request.getRank() != plan.rank()
        || !request.getModelDigest().equals(modelDigest)) {
      reply.onError(Status.FAILED_PRECONDITION.withDescription("this worker is rank " + plan.rank() + " of "
          + plan.shards() + " with model " + modelDigest + "; the coordinator expects rank " + request.getRank()
          + " of " + request.getShards() + " with model " + request.getModelDigest()).asRuntimeException());
      return;
    }
    reply.onNext(JoinReply.newBuilder().setShards(plan.shards()).setRank(plan.rank()).setModelDigest(modelDigest)
        .setSlice(plan.describe()).build());
    reply.onCompleted();
  }

  @Override
  public StreamObserver<CoordinatorMessage> run(StreamObserver<WorkerMessage> replies) {
    WorkerSession session = new WorkerSession(forward, replies);
    synchronized (this) {
      if (latest != null) {
        latest.abort("a new coordinator session started");
      }
      latest = session;
      // The model thread runs sessions in order: the old one ends before this one starts.
      modelThread.execute(() -> {
        current = session;
        session.serve();
      });
    }
    return session;
  }

  /** KV cache slices the current session holds for its latest pass (0 without a session). */
  public int kvSlices() {
    WorkerSession session = current;
    return session == null ? 0 : session.kvSlices();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (latest != null) {
        latest.abort("the worker is shutting down");
      }
    }
    modelThread.shutdownNow();
    forward.close();
  }
}
