package dev.varco.llm.shard.wire;

import dev.varco.llm.model.ShardUnavailableException;
import dev.varco.proto.shard.v1.CoordinatorMessage;
import dev.varco.proto.shard.v1.DecoderShardGrpc;
import dev.varco.proto.shard.v1.JoinReply;
import dev.varco.proto.shard.v1.JoinRequest;
import dev.varco.proto.shard.v1.Partial;
import dev.varco.proto.shard.v1.WorkerMessage;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator's connection to one worker: a channel, the Join handshake and the Run stream.
 * Partial sums arrive on gRPC's threads and wait in a queue for the model thread; the end of the
 * stream is queued too, so a wait never outlives the worker.
 */
final class WorkerLink implements AutoCloseable {
  /** Queued when the stream ends: why. */
  private record Ended(Throwable cause) {}

  /** Keepalive ping interval and timeout on the shard links (gRPC's client minimum is 10 s). */
  static final int KEEPALIVE_SECONDS = 10;

  private final ShardPeer peer;
  private final ManagedChannel channel;
  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private StreamObserver<CoordinatorMessage> outbox;
  /** Set when the stream ends, for {@link #ended()} between passes. */
  private volatile String endedWhy;

  WorkerLink(ShardPeer peer, int maxMessageBytes) {
    this.peer = peer;
    this.channel = NettyChannelBuilder.forAddress(peer.host(), peer.port())
        .usePlaintext()
        // The stream's callbacks only queue messages for the model thread: run them on the event
        // loop, one thread hand-off less per partial sum.
        .directExecutor()
        .maxInboundMessageSize(maxMessageBytes)
        // An idle stream over a dead link or host sees no reset: keepalive pings make it end.
        .keepAliveTime(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .keepAliveTimeout(KEEPALIVE_SECONDS, TimeUnit.SECONDS)
        .keepAliveWithoutCalls(true)
        .build();
  }

  ShardPeer peer() {
    return peer;
  }

  /**
   * Asks the worker to join until it answers or {@code deadlineNanos} (System.nanoTime) passes;
   * a worker still loading (not listening yet) is asked again.
   */
  JoinReply join(JoinRequest request, long deadlineNanos) throws InterruptedException {
    StatusRuntimeException last = null;
    while (System.nanoTime() < deadlineNanos) {
      long left = Math.max(1, deadlineNanos - System.nanoTime());
      try {
        return DecoderShardGrpc.newBlockingStub(channel)
            .withWaitForReady()
            .withDeadlineAfter(left, TimeUnit.NANOSECONDS)
            .join(request);
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.UNAVAILABLE && e.getStatus().getCode() != Status.Code.DEADLINE_EXCEEDED) {
          throw new ShardUnavailableException(peer + " refused to join: " + e.getStatus().getDescription(), e);
        }
        last = e;
        Thread.sleep(100);
      }
    }
    throw new ShardUnavailableException(peer + " did not answer Join in time"
        + (last == null ? "" : " (" + last.getStatus().getCode() + ": " + last.getStatus().getDescription() + ")"), last);
  }

  /** Opens the Run stream; its replies go to the inbox. */
  void open() {
    outbox = DecoderShardGrpc.newStub(channel).run(new StreamObserver<>() {
      @Override
      public void onNext(WorkerMessage message) {
        inbox.add(message.getPartial());
      }

      @Override
      public void onError(Throwable t) {
        endedWhy = describe(t);
        inbox.add(new Ended(t));
      }

      @Override
      public void onCompleted() {
        endedWhy = describe(null);
        inbox.add(new Ended(null));
      }
    });
  }

  /** Sends on the Run stream (model thread only). */
  void send(CoordinatorMessage message) {
    try {
      outbox.onNext(message);
    } catch (RuntimeException e) {
      throw new ShardUnavailableException(peer + " cannot be sent to: " + e.getMessage(), e);
    }
  }

  /** The worker's next partial sum, waiting at most {@code timeout}. */
  Partial nextPartial(Duration timeout, int layer, String point) throws InterruptedException {
    Object next = inbox.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (next == null) {
      throw new ShardUnavailableException(peer + " sent no partial sum for layer " + layer + " (" + point + ") within "
          + timeout.toMillis() + " ms (varco.llm.shard.deadline)", null);
    }
    if (next instanceof Ended ended) {
      inbox.add(ended); // stays ended for later waits
      throw new ShardUnavailableException(peer + " " + describe(ended.cause()), ended.cause());
    }
    return (Partial) next;
  }

  /** Why the stream ended, or empty while it is open. */
  java.util.Optional<String> ended() {
    return java.util.Optional.ofNullable(endedWhy).map(why -> peer + " " + why);
  }

  private static String describe(Throwable cause) {
    if (cause == null) {
      return "ended its stream";
    }
    Status status = Status.fromThrowable(cause);
    return "is gone (" + status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()) + ")";
  }

  /** Ends the stream (cancelling the worker's pass, if one is running) and the channel. */
  @Override
  public void close() {
    if (outbox != null) {
      try {
        outbox.onError(Status.CANCELLED.withDescription("the coordinator ended the session").asRuntimeException());
      } catch (RuntimeException ignored) {
        // already broken
      }
      outbox = null;
    }
    channel.shutdownNow();
  }
}
