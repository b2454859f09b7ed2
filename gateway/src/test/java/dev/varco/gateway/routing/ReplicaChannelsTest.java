package dev.varco.gateway.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real gRPC channels to real loopback servers: a replica that refuses connections is passed
 * over while it does, and gets its conversations back once it listens again.
 */
class ReplicaChannelsTest {
  private final ReplicaChannels replicas = new ReplicaChannels(1 << 20);
  private Server live;
  private Server revived;

  @AfterEach
  void close() throws InterruptedException {
    replicas.close();
    for (Server server : new Server[] {live, revived}) {
      if (server != null) {
        server.shutdownNow().awaitTermination();
      }
    }
  }

  private static Server serve(int port) throws IOException {
    // No service needed: a channel is READY once its connection is up.
    return Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create()).build().start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private Map<String, String> place() {
    Map<String, String> placed = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      String key = "conversation:conv_" + i;
      placed.put(key, replicas.route(key).getKey());
    }
    return placed;
  }

  /** Asks the channel to connect, then waits for {@code state} (a wait for an event, not a speed check). */
  private void awaitState(String address, ConnectivityState state) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    ManagedChannel channel = replicas.channel(address);
    while (channel.getState(true) != state) {
      assertTrue(System.nanoTime() < deadline, address + " never reached " + state + " (now " + channel.getState(false) + ")");
      Thread.sleep(20);
    }
  }

  @Test
  void anUnreachableReplicaIsPassedOverUntilItListensAgain() throws Exception {
    live = serve(0);
    int downPort = freePort();
    String up = "127.0.0.1:" + live.getPort();
    String down = "127.0.0.1:" + downPort;
    replicas.update(Set.of(up, down));
    // Before any connection attempt both count: a cold start does not send everyone to one replica.
    Map<String, String> both = place();
    assertEquals(Set.of(up, down), Set.copyOf(both.values()));

    awaitState(up, ConnectivityState.READY);
    awaitState(down, ConnectivityState.TRANSIENT_FAILURE);
    Map<String, String> whileDown = place();
    assertEquals(Set.of(up), Set.copyOf(whileDown.values()), "nothing goes to a replica that refuses connections");
    both.forEach((key, replica) -> {
      if (replica.equals(up)) {
        assertEquals(up, whileDown.get(key), "conversations of the reachable replica stay");
      }
    });

    revived = serve(downPort);
    awaitState(down, ConnectivityState.READY);
    assertEquals(both, place(), "once it listens again, its conversations come back to it");
  }

  @Test
  void whenNoReplicaIsReachableTurnsStillGoSomewhere() throws Exception {
    String a = "127.0.0.1:" + freePort();
    String b = "127.0.0.1:" + freePort();
    replicas.update(Set.of(a, b));
    Map<String, String> before = place();
    awaitState(a, ConnectivityState.TRANSIENT_FAILURE);
    awaitState(b, ConnectivityState.TRANSIENT_FAILURE);
    // Every replica down: route as if all were up, so the turn fails fast with UNAVAILABLE (a 503).
    assertEquals(before, place());
  }
}
