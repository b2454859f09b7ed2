package dev.varco.llm.shard.wire;

import dev.varco.llm.model.DecoderSharding;
import dev.varco.llm.model.ShardUnavailableException;
import dev.varco.llm.shard.FloatRows;
import dev.varco.llm.shard.ShardPlan;
import dev.varco.llm.transformer.DecoderWeights;
import dev.varco.llm.transformer.KvCache;
import dev.varco.llm.transformer.PartialSums;
import dev.varco.llm.transformer.SequenceRows;
import dev.varco.proto.shard.v1.CoordinatorMessage;
import dev.varco.proto.shard.v1.JoinReply;
import dev.varco.proto.shard.v1.JoinRequest;
import dev.varco.proto.shard.v1.Partial;
import dev.varco.proto.shard.v1.Pass;
import dev.varco.proto.shard.v1.ReducePoint;
import dev.varco.proto.shard.v1.Reduced;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Rank 0 of a tensor-parallel decoder: keeps its own slice of every layer, sends each forward
 * pass (sequences and input rows) to the workers, and at every reduce point adds the workers'
 * partial sums to its own in rank order ({@code ((p0 + p1) + p2) + ...}) and sends the sum back,
 * so every rank continues from the same bits.
 *
 * <p>Faults: a worker that ends its stream, or sends nothing within {@code deadline}, fails the
 * pass with {@link ShardUnavailableException} naming it, and the session is broken: every stream
 * is cancelled (no rank goes on from a partial sum; the workers drop their KV slices). The next
 * pass first rejoins every worker (Join within {@code deadline}, new streams) and fails again,
 * naming the cause, while that does not work. KV caches used before the break are refused after
 * it: their workers' halves are gone (the engine drops all KV caches at such a fault anyway).
 * All methods but {@link #failure()} run on the model thread.
 */
public final class ShardCoordinator implements DecoderSharding, PartialSums {
  private static final Logger LOG = Logger.getLogger(ShardCoordinator.class);

  /**
   * @param peers the workers, ranks 1 .. shards-1 in order
   * @param joinTimeout how long start-up waits for every worker to answer Join
   * @param deadline how long a reduce waits for a worker's partial sum
   */
  public record Settings(int shards, List<ShardPeer> peers, Duration joinTimeout, Duration deadline, int maxMessageBytes) {
    public Settings {
      if (shards < 2) {
        throw new IllegalArgumentException("a coordinator needs varco.llm.shards >= 2, got " + shards);
      }
      if (peers.size() != shards - 1) {
        throw new IllegalArgumentException("varco.llm.shard.peers must list " + (shards - 1)
            + " worker addresses (ranks 1.." + (shards - 1) + "), got " + peers.size());
      }
      for (int i = 0; i < peers.size(); i++) {
        if (peers.get(i).rank() != i + 1) {
          throw new IllegalArgumentException("peer " + i + " should be rank " + (i + 1) + ", is " + peers.get(i).rank());
        }
      }
      peers = List.copyOf(peers);
    }
  }

  private final Settings settings;
  private final String modelDigest;
  private final List<WorkerLink> links = new ArrayList<>();
  private final Map<Long, WeakReference<KvCache>> caches = new HashMap<>();
  private ShardPlan plan;
  private int hidden;
  private int layers;
  private long passId;
  private int reducesLeft;
  private volatile String failure;
  private boolean closed;
  /** Caches used in a broken session: their workers' slices are gone. */
  private final java.util.Set<Long> stale = new java.util.HashSet<>();

  private final ReduceObserver observer;

  public ShardCoordinator(Settings settings, String modelDigest) {
    this(settings, modelDigest, ReduceObserver.NONE);
  }

  public ShardCoordinator(Settings settings, String modelDigest, ReduceObserver observer) {
    this.settings = settings;
    this.modelDigest = modelDigest;
    this.observer = observer;
  }

  /**
   * Takes rank 0's slice of {@code full}, then the start-up barrier: every worker must answer Join
   * as the rank expected, of as many shards, with the same model digest, within the join timeout.
   */
  @Override
  public DecoderWeights slice(DecoderWeights full) {
    plan = ShardPlan.of(full.config(), settings.shards(), 0);
    hidden = full.config().hiddenSize();
    layers = full.layerCount();
    DecoderWeights sliced = plan.slice(full);
    joinAll(settings.joinTimeout());
    LOG.infof("all %d shards joined; this coordinator holds %s", settings.shards(), plan.describe());
    return sliced;
  }

  /**
   * The barrier: every worker must answer Join as the rank expected, of as many shards, with the
   * same model digest, within {@code timeout}; then the Run streams open.
   */
  private void joinAll(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<WorkerLink> joined = new ArrayList<>();
    try {
      for (ShardPeer peer : settings.peers()) {
        WorkerLink link = new WorkerLink(peer, settings.maxMessageBytes());
        joined.add(link);
        JoinReply reply = link.join(JoinRequest.newBuilder()
            .setShards(settings.shards()).setRank(peer.rank()).setModelDigest(modelDigest).build(), deadline);
        if (reply.getShards() != settings.shards() || reply.getRank() != peer.rank()
            || !reply.getModelDigest().equals(modelDigest)) {
          throw new ShardUnavailableException(peer + " answered as rank " + reply.getRank() + " of " + reply.getShards()
              + " with model " + reply.getModelDigest() + "; expected rank " + peer.rank() + " of " + settings.shards()
              + " with model " + modelDigest, null);
        }
        LOG.infof("%s joined: %s", peer, reply.getSlice());
      }
      joined.forEach(WorkerLink::open);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      joined.forEach(WorkerLink::close);
      throw new ShardUnavailableException("interrupted during the shard start-up barrier", e);
    } catch (RuntimeException e) {
      joined.forEach(WorkerLink::close);
      throw e;
    }
    links.clear();
    links.addAll(joined);
  }

  @Override
  public PartialSums partialSums() {
    return this;
  }

  /** Why the shards are down, or empty while they serve. */
  public Optional<String> failure() {
    return Optional.ofNullable(failure);
  }

  public ShardPlan plan() {
    return plan;
  }

  @Override
  public void beginPass(List<SequenceRows> sequences, float[] rows, int total) {
    if (closed) {
      throw new ShardUnavailableException("the shard coordinator is closed", null);
    }
    if (failure == null && reducesLeft != 0) {
      // The previous pass stopped here before its last reduce: the workers wait for a sum that
      // will not come. Start over with new sessions.
      broken(new ShardUnavailableException("a forward pass stopped before its last reduce", null));
    }
    if (failure != null) {
      rejoin();
    }
    for (SequenceRows s : sequences) {
      if (stale.contains(s.kv().id())) {
        throw new ShardUnavailableException("KV cache " + s.kv().id()
            + " was filled before the shards were rejoined; its other slices are gone", null);
      }
    }
    Pass.Builder pass = Pass.newBuilder().setPassId(++passId);
    for (Iterator<WeakReference<KvCache>> it = caches.values().iterator(); it.hasNext(); ) {
      KvCache kv = it.next().get();
      if (kv == null || kv.isClosed()) {
        it.remove();
      }
    }
    for (SequenceRows s : sequences) {
      caches.putIfAbsent(s.kv().id(), new WeakReference<>(s.kv()));
      pass.addSequences(dev.varco.proto.shard.v1.SequenceRows.newBuilder()
          .setCacheId(s.kv().id()).setStartPosition(s.startPosition()).setRows(s.rows()));
    }
    pass.addAllReleasedCaches(released());
    pass.setRows(FloatRows.encode(rows, total * hidden));
    CoordinatorMessage message = CoordinatorMessage.newBuilder().setPass(pass).build();
    try {
      for (WorkerLink link : links) {
        link.send(message);
      }
    } catch (ShardUnavailableException e) {
      throw broken(e);
    }
    reducesLeft = 2 * layers;
  }

  /** Ids sent before whose caches are closed or collected now: the workers drop their slices. */
  private final java.util.Set<Long> announced = new java.util.HashSet<>();

  private List<Long> released() {
    List<Long> gone = new ArrayList<>();
    for (Iterator<Long> it = announced.iterator(); it.hasNext(); ) {
      long id = it.next();
      if (!caches.containsKey(id)) {
        gone.add(id);
        it.remove();
      }
    }
    announced.addAll(caches.keySet());
    return gone;
  }

  @Override
  public void checkShards() {
    if (failure != null) {
      return; // the next pass rejoins or fails naming the cause
    }
    for (WorkerLink link : links) {
      java.util.Optional<String> ended = link.ended();
      if (ended.isPresent()) {
        throw broken(new ShardUnavailableException(ended.get(), null));
      }
    }
  }

  @Override
  public void allReduce(int layer, Point point, float[] rows, int count, int width) {
    ensureServing();
    ReducePoint wirePoint = point == Point.ATTENTION_OUTPUT ? ReducePoint.ATTENTION_OUTPUT : ReducePoint.MLP_OUTPUT;
    int floats = count * width;
    long start = System.nanoTime();
    try {
      for (WorkerLink link : links) {
        Partial partial = link.nextPartial(settings.deadline(), layer, point.name());
        if (partial.getPassId() != passId || partial.getLayer() != layer || partial.getPoint() != wirePoint) {
          throw new ShardUnavailableException(link.peer() + " sent the partial sum of pass " + partial.getPassId()
              + " layer " + partial.getLayer() + " " + partial.getPoint() + " where pass " + passId + " layer " + layer
              + " " + wirePoint + " was due", null);
        }
        FloatRows.addInto(rows, partial.getValues(), floats);
      }
      CoordinatorMessage reduced = CoordinatorMessage.newBuilder().setReduced(Reduced.newBuilder()
          .setPassId(passId).setLayer(layer).setPoint(wirePoint).setValues(FloatRows.encode(rows, floats))).build();
      for (WorkerLink link : links) {
        link.send(reduced);
      }
      reducesLeft--;
      long bytes = (long) links.size() * floats * Float.BYTES;
      observer.reduced(System.nanoTime() - start, bytes, bytes);
    } catch (ShardUnavailableException e) {
      throw broken(e);
    } catch (IllegalArgumentException e) {
      throw broken(new ShardUnavailableException("a shard sent a malformed partial sum: " + e.getMessage(), e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw broken(new ShardUnavailableException("interrupted while waiting for the shards", e));
    }
  }

  private void ensureServing() {
    String why = failure;
    if (why != null) {
      throw new ShardUnavailableException("the decoder's tensor-parallel shards are down: " + why, null);
    }
  }

  /** Ends every stream (no worker goes on from a partial sum) and remembers why. */
  private ShardUnavailableException broken(ShardUnavailableException cause) {
    if (failure == null) {
      failure = cause.getMessage();
      LOG.errorf("tensor-parallel shards are down: %s", failure);
      links.forEach(WorkerLink::close);
      links.clear();
      stale.addAll(caches.keySet());
      caches.clear();
      announced.clear();
      reducesLeft = 0;
    }
    return cause;
  }

  /** After a break: joins every worker again (within the deadline) and opens new sessions. */
  private void rejoin() {
    try {
      joinAll(settings.deadline());
    } catch (ShardUnavailableException e) {
      throw new ShardUnavailableException("the decoder's tensor-parallel shards are down (" + failure
          + ") and rejoining failed: " + e.getMessage(), e);
    }
    LOG.infof("the shards rejoined after: %s", failure);
    failure = null;
  }

  @Override
  public void close() {
    closed = true;
    links.forEach(WorkerLink::close);
    links.clear();
  }
}
