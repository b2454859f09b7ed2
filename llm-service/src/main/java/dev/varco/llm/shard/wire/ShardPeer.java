package dev.varco.llm.shard.wire;

/** A worker rank and where its DecoderShard service listens. */
public record ShardPeer(int rank, String host, int port) {
  /** Parses {@code host:port}. */
  public static ShardPeer parse(int rank, String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new IllegalArgumentException("varco.llm.shard.peers: '" + address + "' is not host:port");
    }
    try {
      return new ShardPeer(rank, address.substring(0, colon).trim(), Integer.parseInt(address.substring(colon + 1).trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("varco.llm.shard.peers: '" + address + "' has no numeric port");
    }
  }

  @Override
  public String toString() {
    return "shard " + rank + " (" + host + ":" + port + ")";
  }
}
