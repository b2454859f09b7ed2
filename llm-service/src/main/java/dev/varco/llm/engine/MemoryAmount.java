package dev.varco.llm.engine;

/** Byte amounts written the way the config keys and JVM flags accept them (8G, 192M, 1000). */
final class MemoryAmount {
  private static final long MIB = 1L << 20;
  private static final long GIB = 1L << 30;

  private MemoryAmount() {}

  static String format(long bytes) {
    if (bytes > 0 && bytes % GIB == 0) {
      return bytes / GIB + "G";
    }
    if (bytes > 0 && bytes % MIB == 0) {
      return bytes / MIB + "M";
    }
    return Long.toString(bytes);
  }

  /** {@code bytes} rounded up to whole MiB, formatted. */
  static String formatCeilMib(long bytes) {
    return format((bytes + MIB - 1) / MIB * MIB);
  }
}
