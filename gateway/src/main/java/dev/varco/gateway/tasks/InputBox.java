package dev.varco.gateway.tasks;

/**
 * A region a request points at (the referring task's input), in pixels of the original upright
 * image or already normalized to 0..1. Corners are top-left then bottom-right.
 */
public record InputBox(double x1, double y1, double x2, double y2, Units units) {
  public enum Units {
    /** Pixel edge coordinates: 0..width and 0..height of the original image (fractions allowed). */
    PIXELS,
    /** Fractions 0..1 of the original image's width and height, as the model writes them. */
    NORMALIZED
  }

  public InputBox {
    if (units == null) {
      throw new InvalidTaskException("box.units", "box units must be given (pixels or normalized)");
    }
  }

  /**
   * The box as the model reads it, rounded to 3 decimals. Refused with the offending field named:
   * a coordinate that is not finite, outside the image ({@code 0..width} / {@code 0..height} in
   * pixels, {@code 0..1} normalized), corners not strictly top-left before bottom-right, or a box
   * so thin that rounding to 3 decimals collapses it.
   *
   * @param size the original image's upright size; needed only for pixel boxes
   */
  public NormalizedBox normalize(ImageSize size) {
    boolean pixels = units == Units.PIXELS;
    if (pixels && size == null) {
      throw new IllegalArgumentException("a pixel box needs the image size");
    }
    double width = pixels ? size.width() : 1;
    double height = pixels ? size.height() : 1;
    checkCoordinate("box.x1", x1, width);
    checkCoordinate("box.y1", y1, height);
    checkCoordinate("box.x2", x2, width);
    checkCoordinate("box.y2", y2, height);
    checkOrder("box.x2", "x2", x2, "x1", x1);
    checkOrder("box.y2", "y2", y2, "y1", y1);
    double nx1 = NormalizedBox.round3(x1 / width);
    double ny1 = NormalizedBox.round3(y1 / height);
    double nx2 = NormalizedBox.round3(x2 / width);
    double ny2 = NormalizedBox.round3(y2 / height);
    if (nx1 >= nx2 || ny1 >= ny2) {
      throw new InvalidTaskException(nx1 >= nx2 ? "box.x2" : "box.y2",
          "box is thinner than 0.001 of the image, the model's resolution (coordinates are rounded to 3 decimals)");
    }
    return new NormalizedBox(nx1, ny1, nx2, ny2);
  }

  private void checkCoordinate(String param, double v, double limit) {
    if (!Double.isFinite(v)) {
      throw new InvalidTaskException(param, param + " must be a finite number, got " + v);
    }
    if (v < 0 || v > limit) {
      String range = units == Units.PIXELS ? "0.." + (long) limit + " pixels" : "0..1 (normalized)";
      throw new InvalidTaskException(param, param + " = " + v + " is outside the image: expected " + range);
    }
  }

  private static void checkOrder(String param, String name, double v, String otherName, double other) {
    if (!(v > other)) {
      throw new InvalidTaskException(param,
          "box corners are top-left then bottom-right: " + name + " (" + v + ") must be greater than " + otherName + " (" + other + ")");
    }
  }
}
