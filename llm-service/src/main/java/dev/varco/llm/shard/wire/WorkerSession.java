package dev.varco.llm.shard.wire;

import dev.varco.llm.shard.FloatRows;
import dev.varco.llm.transformer.KvCache;
import dev.varco.llm.transformer.PartialSums;
import dev.varco.llm.transformer.SequenceRows;
import dev.varco.llm.transformer.TransformerForward;
import dev.varco.proto.shard.v1.CoordinatorMessage;
import dev.varco.proto.shard.v1.Partial;
import dev.varco.proto.shard.v1.Pass;
import dev.varco.proto.shard.v1.ReducePoint;
import dev.varco.proto.shard.v1.Reduced;
import dev.varco.proto.shard.v1.WorkerMessage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.jboss.logging.Logger;

/**
 * One coordinator's Run stream on a worker. Messages arrive on gRPC's threads and queue up; the
 * worker's model thread runs {@link #serve()}: each Pass is one forward pass over this rank's
 * slice, whose reduce points send the partial sum and wait for the coordinator's sum. The
 * session's KV cache slices live and die with it: when the stream ends, for whatever reason, they
 * are dropped (the coordinator's caches no longer have a counterpart here).
 */
final class WorkerSession implements StreamObserver<CoordinatorMessage>, PartialSums {
  private static final Logger LOG = Logger.getLogger(WorkerSession.class);

  /** Queued when the stream ends. */
  private record Ended(String why) {}

  private final TransformerForward forward;
  private final StreamObserver<WorkerMessage> replies;
  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private final Map<Long, KvCache> caches = new HashMap<>();
  private final int hidden;
  private long passId;
  private volatile int kvSlices;

  WorkerSession(TransformerForward forward, StreamObserver<WorkerMessage> replies) {
    this.forward = forward;
    this.replies = replies;
    this.hidden = forward.hiddenSize();
  }

  @Override
  public void onNext(CoordinatorMessage message) {
    inbox.add(message);
  }

  @Override
  public void onError(Throwable t) {
    inbox.add(new Ended("the coordinator's stream failed: " + Status.fromThrowable(t)));
  }

  @Override
  public void onCompleted() {
    inbox.add(new Ended(null));
  }

  /** Ends the session from this side (a newer coordinator session takes over). */
  void abort(String why) {
    inbox.add(new Ended(why));
  }

  /** Runs passes until the stream ends; on the worker's model thread. */
  void serve() {
    try {
      while (true) {
        Object next = inbox.take();
        if (next instanceof Ended ended) {
          if (ended.why() != null) {
            LOG.warnf("session ended: %s", ended.why());
          }
          replies.onCompleted();
          return;
        }
        CoordinatorMessage message = (CoordinatorMessage) next;
        if (!message.hasPass()) {
          throw Status.FAILED_PRECONDITION.withDescription("expected a Pass, got " + message.getKindCase()).asRuntimeException();
        }
        run(message.getPass());
      }
    } catch (SessionEnded e) {
      LOG.warnf("session ended during pass %d: %s", passId, e.getMessage());
      endQuietly(Status.ABORTED.withDescription(e.getMessage()));
    } catch (StatusRuntimeException e) {
      LOG.errorf("session failed: %s", e.getStatus());
      endQuietly(e.getStatus());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      endQuietly(Status.UNAVAILABLE.withDescription("the worker is shutting down"));
    } catch (RuntimeException | Error e) {
      LOG.errorf(e, "pass %d failed", passId);
      endQuietly(Status.INTERNAL.withDescription("pass " + passId + " failed on the worker: " + e));
    } finally {
      caches.values().forEach(KvCache::close);
      caches.clear();
    }
  }

  private void run(Pass pass) throws InterruptedException {
    passId = pass.getPassId();
    for (long id : pass.getReleasedCachesList()) {
      KvCache kv = caches.remove(id);
      if (kv != null) {
        kv.close();
      }
    }
    List<SequenceRows> sequences = new ArrayList<>(pass.getSequencesCount());
    int total = 0;
    for (dev.varco.proto.shard.v1.SequenceRows s : pass.getSequencesList()) {
      KvCache kv = caches.get(s.getCacheId());
      if (kv == null) {
        if (s.getStartPosition() != 0) {
          throw Status.FAILED_PRECONDITION.withDescription("cache " + s.getCacheId() + " is unknown here but pass "
              + passId + " continues it at position " + s.getStartPosition()).asRuntimeException();
        }
        kv = forward.newKvCache();
        caches.put(s.getCacheId(), kv);
      }
      sequences.add(new SequenceRows(kv, s.getStartPosition(), s.getRows(), false));
      total += s.getRows();
    }
    float[] rows = new float[total * hidden];
    FloatRows.decode(pass.getRows(), rows, rows.length);
    kvSlices = caches.size(); // before the first partial sum goes out: the coordinator then sees it
    forward.forward(sequences, rows);
  }

  /** KV cache slices this session holds for its latest pass. */
  int kvSlices() {
    return kvSlices;
  }

  /** A reduce point: send this rank's partial sum, then wait for the sum over all ranks. */
  @Override
  public void allReduce(int layer, Point point, float[] rows, int count, int width) {
    ReducePoint wirePoint = point == Point.ATTENTION_OUTPUT ? ReducePoint.ATTENTION_OUTPUT : ReducePoint.MLP_OUTPUT;
    int floats = count * width;
    replies.onNext(WorkerMessage.newBuilder().setPartial(Partial.newBuilder()
        .setPassId(passId).setLayer(layer).setPoint(wirePoint).setValues(FloatRows.encode(rows, floats))).build());
    Object next;
    try {
      next = inbox.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SessionEnded("interrupted");
    }
    if (next instanceof Ended ended) {
      throw new SessionEnded(ended.why() == null ? "the coordinator ended the stream mid-pass" : ended.why());
    }
    CoordinatorMessage message = (CoordinatorMessage) next;
    Reduced reduced = message.getReduced();
    if (!message.hasReduced() || reduced.getPassId() != passId || reduced.getLayer() != layer || reduced.getPoint() != wirePoint) {
      throw Status.FAILED_PRECONDITION.withDescription("expected the sum of pass " + passId + " layer " + layer + " "
          + wirePoint + ", got " + message.getKindCase()).asRuntimeException();
    }
    FloatRows.decode(reduced.getValues(), rows, floats);
  }

  private void endQuietly(Status status) {
    try {
      replies.onError(status.asRuntimeException());
    } catch (RuntimeException ignored) {
      // the stream is already gone
    }
  }

  /** The stream ended while a pass waited for a sum. */
  private static final class SessionEnded extends RuntimeException {
    SessionEnded(String message) {
      super(message, null, false, false);
    }
  }
}
