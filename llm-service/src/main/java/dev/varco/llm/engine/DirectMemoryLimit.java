package dev.varco.llm.engine;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;

/**
 * The JVM's limit on direct buffers: {@code -XX:MaxDirectMemorySize} when set (on the command
 * line, in {@code JAVA_TOOL_OPTIONS} or {@code JDK_JAVA_OPTIONS}), else the JDK's default, which is
 * the maximum heap ({@link Runtime#maxMemory()}).
 *
 * @param source where the number comes from, for messages
 */
public record DirectMemoryLimit(long bytes, String source) {
  static final String FLAG = "-XX:MaxDirectMemorySize";

  /** This JVM's limit. */
  public static DirectMemoryLimit ofThisJvm() {
    HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
    if (hotSpot != null) {
      long flag = Long.parseLong(hotSpot.getVMOption("MaxDirectMemorySize").getValue());
      if (flag > 0) {
        return new DirectMemoryLimit(flag, FLAG + "=" + MemoryAmount.format(flag));
      }
    }
    long heap = Runtime.getRuntime().maxMemory();
    return new DirectMemoryLimit(heap, FLAG + " unset, so the JDK default: the maximum heap of " + MemoryAmount.format(heap));
  }
}
