package dev.varco.load.payload;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The images the runs send, as {@code data:} URLs, drawn once per JVM: a small one (one tile), one of
 * exactly SigLIP's 384x384 input and a 1024x768 one that anyres tiles into several crops. Drawn shapes
 * on a gradient rather than noise, so the PNGs stay the size of real pictures rather than of noise.
 */
public final class TestImages {
  /** An image size the scenarios mix. */
  public record Sized(String name, int width, int height, String dataUrl) {
    /** The PNG file bytes (what gRPC carries). */
    public byte[] png() {
      return Base64.getDecoder().decode(dataUrl.substring(dataUrl.indexOf(',') + 1));
    }
  }

  private static final List<Sized> ALL = List.of(draw("small", 160, 120), draw("384x384", 384, 384), draw("1024x768", 1024, 768));

  private TestImages() {}

  /** Small, 384x384 and 1024x768, in that order. */
  public static List<Sized> all() {
    return ALL;
  }

  private static Sized draw(String name, int width, int height) {
    System.setProperty("java.awt.headless", "true");
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setPaint(new GradientPaint(0, 0, new Color(30, 90, 160), width, height, new Color(240, 200, 80)));
    g.fillRect(0, 0, width, height);
    g.setColor(new Color(200, 40, 40));
    g.fillOval(width / 8, height / 8, width / 3, height / 3);
    g.setColor(new Color(20, 140, 60));
    g.fillRect(width / 2, height / 2, width / 3, height / 4);
    g.dispose();
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Sized(name, width, height, "data:image/png;base64," + Base64.getEncoder().encodeToString(png.toByteArray()));
  }
}
