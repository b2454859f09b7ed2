package dev.varco.gateway.routing;

import java.nio.charset.StandardCharsets;
import java.util.Collection;

/**
 * Rendezvous (highest random weight) hashing: a key goes to the replica with the highest score
 * of (key, replica). Removing a replica moves only the keys it held; adding one moves to it only
 * the keys it now wins; every other key stays where its KV cache is.
 */
public final class Rendezvous {
  private Rendezvous() {}

  /** The replica {@code key} belongs to, or null when there is none. */
  public static String pick(String key, Collection<String> replicas) {
    long keyHash = hash(key);
    String best = null;
    long bestScore = 0;
    for (String replica : replicas) {
      long score = mix(keyHash ^ mix(hash(replica)));
      // Ties (astronomically rare) go to the smaller name, so every gateway picks alike.
      if (best == null || Long.compareUnsigned(score, bestScore) > 0
          || (score == bestScore && replica.compareTo(best) < 0)) {
        best = replica;
        bestScore = score;
      }
    }
    return best;
  }

  /** 64-bit FNV-1a over the UTF-8 bytes; {@link #mix} spreads it. */
  private static long hash(String value) {
    long hash = 0xcbf29ce484222325L;
    for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= 0x100000001b3L;
    }
    return hash;
  }

  /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
  private static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
