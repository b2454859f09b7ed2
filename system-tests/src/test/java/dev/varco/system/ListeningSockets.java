package dev.varco.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * The address a local TCP port listens on, read from the kernel's socket tables
 * ({@code /proc/net/tcp} and {@code tcp6}): loopback, a wildcard ({@code 0.0.0.0} / {@code ::}) or
 * an interface's. Tells how a process bound without connecting from another host.
 */
final class ListeningSockets {
  private static final String LISTEN = "0A";

  private ListeningSockets() {}

  /** The address listening on {@code port}, if any process listens on it. */
  static Optional<InetAddress> addressOf(int port) {
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      List<String> lines;
      try {
        lines = Files.readAllLines(Path.of(table));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + table + " (Linux only)", e);
      }
      for (String line : lines.subList(1, lines.size())) {
        String[] fields = line.strip().split("\\s+");
        String[] local = fields[1].split(":");
        if (fields[3].equals(LISTEN) && Integer.parseInt(local[1], 16) == port) {
          return Optional.of(address(local[0]));
        }
      }
    }
    return Optional.empty();
  }

  /** The kernel prints each 32-bit word of the address in host (little-endian) byte order. */
  private static InetAddress address(String hex) {
    byte[] raw = HexFormat.of().parseHex(hex);
    for (int word = 0; word < raw.length; word += 4) {
      for (int i = 0; i < 2; i++) {
        byte swap = raw[word + i];
        raw[word + i] = raw[word + 3 - i];
        raw[word + 3 - i] = swap;
      }
    }
    try {
      // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) comes back as the IPv4 address.
      return InetAddress.getByAddress(raw);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(hex, e);
    }
  }
}
