package dev.varco.load.report;

import dev.varco.load.stream.Measurements.StreamRecord;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.HdrHistogram.Histogram;

/**
 * The PNG chart of a run: the run cut into time windows by arrival, and per window the offered load
 * (arrivals/s) against TTFT p50/p95/p99 (top) and completed streams/s, output tokens/s and failed
 * streams/s (bottom). Under the overload ramp this is latency and throughput vs offered load.
 */
public final class LoadChart {
  static final int WINDOWS = 12;
  private static final int WIDTH = 960;
  private static final int PANEL = 300;
  private static final int LEFT = 80;
  private static final int TOP = 40;

  private LoadChart() {}

  /** One window's numbers. */
  public record Point(double offeredPerSecond, long ttftP50, long ttftP95, long ttftP99, double completedPerSecond, double tokensPerSecond,
      double failedPerSecond) {}

  /** The windows of a run, in arrival order; empty for a run without streams. */
  public static List<Point> points(List<StreamRecord> streams) {
    if (streams.isEmpty()) {
      return List.of();
    }
    long first = streams.stream().mapToLong(StreamRecord::startMillis).min().orElseThrow();
    long last = streams.stream().mapToLong(StreamRecord::startMillis).max().orElseThrow();
    double windowMillis = Math.max(1000, (last - first + 1) / (double) WINDOWS);
    List<Point> points = new ArrayList<>();
    for (int w = 0; w < WINDOWS; w++) {
      long from = first + (long) (w * windowMillis);
      long to = first + (long) ((w + 1) * windowMillis);
      Histogram ttft = new Histogram(3);
      int arrivals = 0;
      int completed = 0;
      int failed = 0;
      long tokens = 0;
      for (StreamRecord s : streams) {
        if (s.startMillis() < from || s.startMillis() >= to) {
          continue;
        }
        arrivals++;
        if (s.ok()) {
          completed++;
          tokens += s.outputTokens();
          if (s.ttftMillis() >= 0) {
            ttft.recordValue(s.ttftMillis());
          }
        } else {
          failed++;
        }
      }
      if (arrivals == 0) {
        continue;
      }
      double seconds = windowMillis / 1000;
      points.add(new Point(arrivals / seconds, percentile(ttft, 50), percentile(ttft, 95), percentile(ttft, 99), completed / seconds,
          tokens / seconds, failed / seconds));
    }
    return points;
  }

  /** Writes the chart; returns false (and writes nothing) for a run without streams. */
  public static boolean write(String title, List<StreamRecord> streams, Path png) throws IOException {
    List<Point> points = points(streams);
    if (points.isEmpty()) {
      return false;
    }
    BufferedImage image = new BufferedImage(WIDTH, TOP + 2 * PANEL + 100, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    g.drawString(title, LEFT, 24);
    double maxOffered = points.stream().mapToDouble(Point::offeredPerSecond).max().orElse(1) * 1.05;
    panel(g, TOP, "TTFT (ms)", maxOffered, points, List.of(
        new Series("p50", new Color(40, 120, 200), p -> (double) p.ttftP50()),
        new Series("p95", new Color(240, 150, 30), p -> (double) p.ttftP95()),
        new Series("p99", new Color(200, 40, 40), p -> (double) p.ttftP99())));
    panel(g, TOP + PANEL + 50, "per second", maxOffered, points, List.of(
        new Series("output tokens/s", new Color(30, 150, 80), Point::tokensPerSecond),
        new Series("completed streams/s", new Color(40, 120, 200), Point::completedPerSecond),
        new Series("failed streams/s", new Color(200, 40, 40), Point::failedPerSecond)));
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    g.setColor(Color.BLACK);
    g.drawString("offered load (arrivals/s), one point per " + WINDOWS + "th of the run", LEFT + 250, TOP + 2 * PANEL + 90);
    g.dispose();
    Files.createDirectories(png.toAbsolutePath().getParent());
    ImageIO.write(image, "png", png.toFile());
    return true;
  }

  private record Series(String name, Color color, java.util.function.ToDoubleFunction<Point> value) {}

  private static void panel(Graphics2D g, int top, String yLabel, double maxX, List<Point> points, List<Series> series) {
    int width = WIDTH - LEFT - 40;
    int height = PANEL - 30;
    double maxY = 1;
    for (Series s : series) {
      for (Point p : points) {
        maxY = Math.max(maxY, s.value().applyAsDouble(p));
      }
    }
    maxY *= 1.1;
    g.setColor(new Color(230, 230, 230));
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
    for (int i = 0; i <= 4; i++) {
      int y = top + height - i * height / 4;
      g.setColor(new Color(230, 230, 230));
      g.drawLine(LEFT, y, LEFT + width, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%.1f", maxY * i / 4), 10, y + 4);
      int x = LEFT + i * width / 4;
      g.drawString(String.format(Locale.ROOT, "%.2f", maxX * i / 4), x - 10, top + height + 16);
    }
    g.setColor(Color.BLACK);
    g.drawRect(LEFT, top, width, height);
    g.drawString(yLabel, LEFT + 4, top - 6);
    int legend = LEFT + 120;
    for (Series s : series) {
      g.setColor(s.color());
      g.setStroke(new BasicStroke(2));
      int lastX = -1;
      int lastY = -1;
      for (Point p : points.stream().sorted(java.util.Comparator.comparingDouble(Point::offeredPerSecond)).toList()) {
        int x = LEFT + (int) (p.offeredPerSecond() / maxX * width);
        int y = top + height - (int) (s.value().applyAsDouble(p) / maxY * height);
        g.fillOval(x - 3, y - 3, 7, 7);
        if (lastX >= 0) {
          g.drawLine(lastX, lastY, x, y);
        }
        lastX = x;
        lastY = y;
      }
      g.drawString(s.name(), legend, top - 6);
      legend += 150;
    }
  }

  private static long percentile(Histogram h, double p) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(p);
  }
}
