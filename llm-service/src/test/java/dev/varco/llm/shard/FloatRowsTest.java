package dev.varco.llm.shard;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;

/**
 * Rows cross the wire bit for bit (so every rank continues from the coordinator's exact sum), and
 * the sum is taken in rank order.
 */
class FloatRowsTest {
  @Test
  void everyBitPatternSurvivesTheWire() {
    float[] values = {0f, -0f, 1f, -1.5f, Float.MIN_VALUE, -Float.MIN_NORMAL / 3, Float.MAX_VALUE,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.intBitsToFloat(0x7fc01234), 3.1415927f};
    float[] back = new float[values.length];
    FloatRows.decode(FloatRows.encode(values, values.length), back, values.length);
    for (int i = 0; i < values.length; i++) {
      assertEquals(Float.floatToRawIntBits(values[i]), Float.floatToRawIntBits(back[i]), "value " + i);
    }
  }

  @Test
  void partialsAreAddedInRankOrder() {
    // (1e8 + 1) - 1e8 rounds to 0 in float; 1e8 + (1 - 1e8) does not: the order is observable.
    float[] sum = {1e8f};
    FloatRows.addInto(sum, FloatRows.encode(new float[] {1f}, 1), 1);
    FloatRows.addInto(sum, FloatRows.encode(new float[] {-1e8f}, 1), 1);
    assertEquals(0f, sum[0]);
  }

  @Test
  void aWrongSizeIsRefused() {
    ByteString three = FloatRows.encode(new float[3], 3);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> FloatRows.decode(three, new float[4], 4));
  }
}
