package dev.varco.vision.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns PNG or JPEG bytes into an {@link RgbImage}, enforcing {@link ImageLimits} before the
 * expensive steps. Every failure is an {@link ImageRejectedException} whose message names the
 * problem; nothing a caller sends can make it throw anything else.
 */
public final class ImageDecoder {
  private final ImageLimits limits;

  public ImageDecoder(ImageLimits limits) {
    this.limits = limits;
  }

  public RgbImage decode(byte[] bytes) {
    if (bytes.length == 0) {
      throw new ImageRejectedException("image is empty");
    }
    if (bytes.length > limits.maxBytes()) {
      throw new ImageRejectedException(
          "image is " + bytes.length + " bytes, over the limit of " + limits.maxBytes() + " bytes");
    }
    ImageFormat format = ImageFormat.detect(bytes);
    if (format == ImageFormat.UNKNOWN) {
      throw new ImageRejectedException("image bytes are not an image (no PNG or JPEG signature)");
    }
    if (!format.supported()) {
      throw new ImageRejectedException(
          format.displayName() + " images are not supported; send PNG or JPEG");
    }
    BufferedImage decoded = read(bytes, format);
    return ExifOrientation.apply(toRgb(decoded), format == ImageFormat.JPEG ? ExifOrientation.of(bytes) : 1);
  }

  private BufferedImage read(byte[] bytes, ImageFormat format) {
    ImageReader reader = readerFor(format);
    List<String> warnings = new ArrayList<>();
    try (ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      reader.setInput(input, true, true);
      // The header gives the size; refuse oversized images before allocating their pixels.
      checkDimensions(reader.getWidth(0), reader.getHeight(0));
      reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
      BufferedImage image = reader.read(0);
      if (!warnings.isEmpty()) {
        // ImageIO returns a half-grey picture for a truncated JPEG and only warns about it.
        throw new ImageRejectedException(
            format.displayName() + " image is corrupt or truncated: " + String.join("; ", warnings));
      }
      return image;
    } catch (ImageRejectedException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new ImageRejectedException(
          format.displayName() + " image is corrupt or truncated: " + describe(e));
    } finally {
      reader.dispose();
    }
  }

  private void checkDimensions(int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new ImageRejectedException("image has no pixels (" + width + "x" + height + ")");
    }
    if (width > limits.maxSide() || height > limits.maxSide()) {
      throw new ImageRejectedException(
          "image is " + width + "x" + height + ", over the limit of " + limits.maxSide() + " pixels per side");
    }
    if ((long) width * height > limits.maxPixels()) {
      throw new ImageRejectedException(
          "image is " + width + "x" + height + " = " + (long) width * height + " pixels, over the limit of "
              + limits.maxPixels() + " pixels");
    }
  }

  private static ImageReader readerFor(ImageFormat format) {
    Iterator<ImageReader> readers =
        ImageIO.getImageReadersByFormatName(format == ImageFormat.PNG ? "png" : "jpeg");
    if (!readers.hasNext()) {
      throw new IllegalStateException("this JVM has no ImageIO reader for " + format.displayName());
    }
    return readers.next();
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }

  /**
   * RGB as the reference's {@code convert_to_rgb} produces it: transparent pixels are composited
   * over white; grey levels are copied as they are (AWT's colour-managed path would re-gamma them).
   */
  static RgbImage toRgb(BufferedImage image) {
    int width = image.getWidth();
    int height = image.getHeight();
    byte[] rgb = new byte[width * height * 3];
    ColorModel model = image.getColorModel();
    Raster raster = image.getRaster();
    boolean grey = model.getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
        && raster.getNumBands() <= 2;
    int[] row = new int[width];
    for (int y = 0; y < height; y++) {
      if (!grey) {
        image.getRGB(0, y, width, 1, row, 0, width);
      }
      for (int x = 0; x < width; x++) {
        int r;
        int g;
        int b;
        int alpha;
        if (grey) {
          int level = to8Bits(raster.getSample(x, y, 0), model.getComponentSize(0));
          r = g = b = level;
          alpha = raster.getNumBands() == 2 ? to8Bits(raster.getSample(x, y, 1), model.getComponentSize(1)) : 255;
        } else {
          int argb = row[x];
          alpha = model.hasAlpha() ? argb >>> 24 : 255;
          r = (argb >> 16) & 0xFF;
          g = (argb >> 8) & 0xFF;
          b = argb & 0xFF;
        }
        int offset = (y * width + x) * 3;
        rgb[offset] = (byte) overWhite(r, alpha);
        rgb[offset + 1] = (byte) overWhite(g, alpha);
        rgb[offset + 2] = (byte) overWhite(b, alpha);
      }
    }
    return new RgbImage(width, height, rgb);
  }

  private static int to8Bits(int sample, int bits) {
    if (bits == 8) {
      return sample;
    }
    int max = (1 << bits) - 1;
    return (int) Math.round(sample * 255.0 / max);
  }

  private static int overWhite(int channel, int alpha) {
    if (alpha == 255) {
      return channel;
    }
    return (channel * alpha + 255 * (255 - alpha) + 127) / 255;
  }
}
