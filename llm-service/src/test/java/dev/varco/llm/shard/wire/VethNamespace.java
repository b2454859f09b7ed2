package dev.varco.llm.shard.wire;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Linux network namespace joined to this process's namespace by a veth pair with a /30 subnet
 * of its own ({@code 10.251.x.y}): a process started through {@link #launcher()} is reached at
 * {@link #address()} across a real network stack (two interfaces, routing, TCP retransmission),
 * and {@link #cut()} takes the link down the way a pulled cable does: no reset reaches either
 * end, packets are just lost. Needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN) and iproute2's
 * {@code ip}; {@link #unavailable()} says why not where they are missing. {@link #close()}
 * deletes both (run it after stopping the processes inside).
 */
public final class VethNamespace implements AutoCloseable {
  private static final AtomicInteger NEXT = new AtomicInteger();

  private final String name;
  private final String hostSide;
  private final String hostAddress;
  private final String innerAddress;
  private boolean closed;

  private VethNamespace(String name, String hostSide, String hostAddress, String innerAddress) {
    this.name = name;
    this.hostSide = hostSide;
    this.hostAddress = hostAddress;
    this.innerAddress = innerAddress;
  }

  /** Why network namespaces cannot be made here (a probe namespace is added and deleted), or empty. */
  public static Optional<String> unavailable() {
    String probe = "varco-probe-" + ProcessHandle.current().pid();
    try {
      Result add = ip("netns", "add", probe);
      if (add.status() != 0) {
        return Optional.of("'ip netns add' failed (it needs root with CAP_SYS_ADMIN): " + add.output());
      }
      String pair = "vprb" + ProcessHandle.current().pid() % 100000;
      Result veth = ip("link", "add", pair + "a", "type", "veth", "peer", "name", pair + "b");
      ip("link", "del", pair + "a");
      ip("netns", "del", probe);
      if (veth.status() != 0) {
        return Optional.of("'ip link add ... type veth' failed (it needs CAP_NET_ADMIN and the veth driver): " + veth.output());
      }
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of("iproute2's 'ip' command cannot be run: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while probing for network namespaces");
    }
  }

  /** A new namespace with its veth pair up and addressed; loopback is up inside too. */
  public static VethNamespace create() throws IOException, InterruptedException {
    // A /30 per (pid, counter): parallel test JVMs on one machine do not collide.
    int slot = (int) ((ProcessHandle.current().pid() * 8 + NEXT.getAndIncrement()) % (250 * 64));
    String subnet = "10.251." + slot / 64 + ".";
    int base = slot % 64 * 4;
    String name = "varco-shard-" + slot;
    String hostSide = "vsh" + slot + "h";
    String innerSide = "vsh" + slot + "w";
    VethNamespace ns = new VethNamespace(name, hostSide, subnet + (base + 1), subnet + (base + 2));
    // Leftovers of a run that was killed before its clean-up.
    ip("link", "del", hostSide);
    ip("netns", "del", name);
    try {
      check(ip("netns", "add", name));
      check(ip("link", "add", hostSide, "type", "veth", "peer", "name", innerSide));
      check(ip("link", "set", innerSide, "netns", name));
      check(ip("addr", "add", ns.hostAddress + "/30", "dev", hostSide));
      check(ip("link", "set", hostSide, "up"));
      check(ip("-n", name, "addr", "add", ns.innerAddress + "/30", "dev", innerSide));
      check(ip("-n", name, "link", "set", innerSide, "up"));
      check(ip("-n", name, "link", "set", "lo", "up"));
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(ns::close, "delete-" + name));
    return ns;
  }

  /** The command prefix that runs a program inside the namespace ({@code ip netns exec} execs it). */
  public List<String> launcher() {
    return List.of("ip", "netns", "exec", name);
  }

  /** The address of the namespace's end of the link. */
  public String address() {
    return innerAddress;
  }

  public String name() {
    return name;
  }

  /**
   * Bytes this side of the link has sent and received so far, as the kernel counts them (every
   * frame: Ethernet, IP, TCP and HTTP/2 headers included).
   */
  public long[] hostSideBytes() throws IOException {
    Path stats = Path.of("/sys/class/net", hostSide, "statistics");
    return new long[] {
        Long.parseLong(Files.readString(stats.resolve("tx_bytes")).trim()),
        Long.parseLong(Files.readString(stats.resolve("rx_bytes")).trim())};
  }

  /** Takes this side of the link down: its route goes, packets either way are lost, no reset is sent. */
  public void cut() throws IOException, InterruptedException {
    check(ip("link", "set", hostSide, "down"));
  }

  /** Brings the link back up (its address and route return with it). */
  public void restore() throws IOException, InterruptedException {
    check(ip("link", "set", hostSide, "up"));
  }

  /** Deletes the veth pair (both ends) and the namespace; idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      ip("link", "del", hostSide);
      ip("netns", "del", name);
    } catch (IOException e) {
      // nothing left to delete with
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private record Result(int status, String output) {}

  private static Result ip(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("ip"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      return new Result(-1, String.join(" ", command) + ": no answer within 30 s");
    }
    return new Result(p.exitValue(), String.join(" ", command) + ": " + (output.isEmpty() ? "exit " + p.exitValue() : output));
  }

  private static void check(Result result) {
    if (result.status() != 0) {
      throw new IllegalStateException("network namespace set-up failed: " + result.output());
    }
  }
}
