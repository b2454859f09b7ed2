package dev.varco.gateway.routing;

import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * One gRPC channel per llm-service replica ({@code host:port}), kept in step with the replicas a
 * discovery source reports. A replica that goes away has its channel shut down gracefully: the
 * answers it is streaming finish, no new call starts on it.
 */
public final class ReplicaChannels implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(ReplicaChannels.class);

  private final int maxInboundMessageBytes;
  /** Immutable snapshots, replaced whole: readers never lock. */
  private volatile Map<String, ManagedChannel> channels = Map.of();

  public ReplicaChannels(int maxInboundMessageBytes) {
    this.maxInboundMessageBytes = maxInboundMessageBytes;
  }

  /** Makes {@code addresses} the replicas: opens channels to new ones, closes those of gone ones. */
  public synchronized void update(Set<String> addresses) {
    Map<String, ManagedChannel> next = new TreeMap<>();
    for (String address : addresses) {
      ManagedChannel kept = channels.get(address);
      next.put(address, kept != null ? kept : open(address));
    }
    for (var gone : channels.entrySet()) {
      if (!next.containsKey(gone.getKey())) {
        LOG.infof("llm-service replica %s left; its streams finish, new turns go elsewhere", gone.getKey());
        gone.getValue().shutdown();
      }
    }
    next.keySet().stream().filter(a -> !channels.containsKey(a)).forEach(a -> LOG.infof("llm-service replica %s joined", a));
    channels = Map.copyOf(next);
  }

  /** The replicas known now. */
  public Set<String> addresses() {
    return channels.keySet();
  }

  /**
   * The replica {@code key} routes to and its channel, or null when no replica is known. A
   * replica whose channel cannot connect (TRANSIENT_FAILURE: refused, unreachable) is passed over
   * while it stays so, unless every replica is: its conversations move meanwhile and come back to
   * it once it connects again. Discovery cannot see that in static mode.
   */
  public Map.Entry<String, ManagedChannel> route(String key) {
    Map<String, ManagedChannel> current = channels;
    List<String> reachable = current.entrySet().stream()
        .filter(e -> e.getValue().getState(false) != ConnectivityState.TRANSIENT_FAILURE).map(Map.Entry::getKey).toList();
    String address = Rendezvous.pick(key, reachable.isEmpty() ? current.keySet() : reachable);
    return address == null ? null : Map.entry(address, current.get(address));
  }

  /** The channel of one replica, or null (tests watch its state). */
  ManagedChannel channel(String address) {
    return channels.get(address);
  }

  private ManagedChannel open(String address) {
    HostPort target = HostPort.parse(address);
    return Grpc.newChannelBuilderForAddress(target.host(), target.port(), InsecureChannelCredentials.create())
        .maxInboundMessageSize(maxInboundMessageBytes).build();
  }

  @Override
  public synchronized void close() {
    for (ManagedChannel channel : channels.values()) {
      channel.shutdown();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      channel.shutdownNow();
    }
    channels = Map.of();
  }
}
