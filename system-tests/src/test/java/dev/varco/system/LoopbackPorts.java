package dev.varco.system;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;

/**
 * Free loopback ports for the processes the tests start. The kernel may hand out a port it just
 * gave us again once our probe socket is closed, so each port is given out at most once per test
 * JVM: the shared stack and the processes of every test class never collide.
 */
final class LoopbackPorts {
  private static final Set<Integer> GIVEN = new HashSet<>();

  private LoopbackPorts() {}

  static synchronized int free() {
    for (int attempt = 0; attempt < 100; attempt++) {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        if (GIVEN.add(socket.getLocalPort())) {
          return socket.getLocalPort();
        }
      } catch (IOException e) {
        throw new IllegalStateException("no free loopback port", e);
      }
    }
    throw new IllegalStateException("no loopback port that was not given out already");
  }
}
