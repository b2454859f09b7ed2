package dev.varco.load.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.load.stream.Measurements.StreamRecord;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class LoadChartTest {
  /** Arrivals doubling from one window to the next half of the run, TTFT growing with them, late ones failing. */
  private static List<StreamRecord> ramp() {
    List<StreamRecord> streams = new ArrayList<>();
    for (int second = 0; second < 24; second++) {
      int arrivals = second < 12 ? 2 : 4;
      for (int i = 0; i < arrivals; i++) {
        long start = second * 1000L + i * (1000L / arrivals);
        boolean ok = second < 20;
        streams.add(new StreamRecord(start, start + 500, ok, ok ? 100 + second * 10L : -1, ok ? 16 : 0));
      }
    }
    return streams;
  }

  @Test
  void windowsGiveOfferedLoadTtftAndThroughput() {
    List<LoadChart.Point> points = LoadChart.points(ramp());

    assertEquals(LoadChart.WINDOWS, points.size());
    assertEquals(2.0, points.get(0).offeredPerSecond(), 0.1, "windows span first to last arrival, so rates are close, not exact");
    assertEquals(4.0, points.get(points.size() - 1).offeredPerSecond(), 0.2);
    assertEquals(32.0, points.get(0).tokensPerSecond(), 1.5, "2 streams/s x 16 tokens");
    assertEquals(4.0, points.get(points.size() - 1).failedPerSecond(), 0.2);
    assertTrue(points.get(0).ttftP99() < points.get(8).ttftP99(), "TTFT grows over the run");
  }

  @Test
  void writesAPngAndNothingForAnEmptyRun() throws Exception {
    Path png = Path.of("target", "chart-test", "ramp.png");

    assertTrue(LoadChart.write("test ramp", ramp(), png));
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(960, image.getWidth());
    assertFalse(LoadChart.write("empty", List.of(), Path.of("target", "chart-test", "empty.png")));
  }
}
