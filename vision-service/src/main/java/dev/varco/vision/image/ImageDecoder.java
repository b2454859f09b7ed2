package dev.varco.vision.image;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.event.IIOReadProgressListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Turns PNG or JPEG bytes into the upright {@link RgbImage} transformers' {@code load_image}
 * would produce ({@code ImageOps.exif_transpose}, then {@code convert("RGB")}), enforcing
 * {@link ImageLimits} before the expensive steps: the byte size before anything is parsed, the
 * file structure (chunk lengths and CRCs, JPEG segments) and the header's dimensions before any
 * pixel is decoded. Every failure is an {@link ImageRejectedException} whose message names the
 * problem; nothing a caller sends can make it throw anything else.
 */
public final class ImageDecoder {
  private final ImageLimits limits;

  public ImageDecoder(ImageLimits limits) {
    this.limits = limits;
  }

  public RgbImage decode(byte[] bytes) {
    return decode(bytes, DecodeCutoff.NEVER);
  }

  /**
   * As {@link #decode(byte[])}, asking {@code cutoff} every few decoded rows and after the
   * conversion; when it says stop, the ImageIO reader is aborted and its exception is thrown.
   */
  public RgbImage decode(byte[] bytes, DecodeCutoff cutoff) {
    ImageHeader header = checkedHeader(bytes);
    RgbImage stored = header.format() == ImageFormat.JPEG && header.channels() == 4
        ? RgbConversion.ofCmykJpeg(readRaster(bytes, header, cutoff), header.adobeTransform())
        : RgbConversion.of(read(bytes, header, cutoff), header);
    cutoff.check();
    if (stored.width() != header.width() || stored.height() != header.height()) {
      throw new ImageRejectedException(
          header.format().displayName() + " image is corrupt or truncated: it decodes to " + stored.width() + "x"
              + stored.height() + ", its header says " + header.width() + "x" + header.height());
    }
    return ExifOrientation.apply(stored, header.orientation());
  }

  /**
   * The number of pixels the file will decode to (its header's width * height), after the same
   * byte-size, structure and dimension checks {@link #decode} makes, without decoding a pixel:
   * what admission charges against the decode budget.
   */
  public long declaredPixels(byte[] bytes) {
    ImageHeader header = checkedHeader(bytes);
    return header.width() * header.height();
  }

  private ImageHeader checkedHeader(byte[] bytes) {
    if (bytes.length == 0) {
      throw new ImageRejectedException("image is empty");
    }
    limits.checkBytes(bytes.length);
    ImageHeader header = readHeader(bytes);
    limits.checkDimensions(header.width(), header.height());
    return header;
  }

  /** The file's structure and declared size, without decoding pixels. */
  private static ImageHeader readHeader(byte[] bytes) {
    ImageFormat format = ImageFormat.detect(bytes);
    if (format == ImageFormat.UNKNOWN) {
      throw new ImageRejectedException("image bytes are not an image (no PNG or JPEG signature)");
    }
    if (!format.supported()) {
      throw new ImageRejectedException(format.displayName() + " images are not supported; send PNG or JPEG");
    }
    return format == ImageFormat.PNG ? PngStructure.read(bytes) : JpegStructure.read(bytes);
  }

  private BufferedImage read(byte[] bytes, ImageHeader header, DecodeCutoff cutoff) {
    return decodeWith(bytes, header, cutoff, reader -> reader.read(0));
  }

  /** 4-component JPEGs: the raw samples, since AWT's CMYK conversion is not Pillow's. */
  private Raster readRaster(byte[] bytes, ImageHeader header, DecodeCutoff cutoff) {
    return decodeWith(bytes, header, cutoff, reader -> reader.readRaster(0, null));
  }

  private interface Decode<T> {
    T run(ImageReader reader) throws IOException;
  }

  private <T> T decodeWith(byte[] bytes, ImageHeader header, DecodeCutoff cutoff, Decode<T> decode) {
    ImageFormat format = header.format();
    ImageReader reader = readerFor(format);
    List<String> warnings = new ArrayList<>();
    ReadCutoff stop = new ReadCutoff(cutoff);
    try (ImageInputStream input = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      // Metadata is ignored: orientation and colour layout came from the structure walk already.
      reader.setInput(input, true, true);
      reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
      reader.addIIOReadProgressListener(stop);
      T decoded = decode.run(reader);
      if (stop.reason != null) {
        throw stop.reason; // aborted: the reader returned a partly decoded image
      }
      if (!warnings.isEmpty()) {
        // ImageIO returns a half-grey picture for a truncated JPEG and only warns about it.
        throw new ImageRejectedException(
            format.displayName() + " image is corrupt or truncated: " + String.join("; ", warnings));
      }
      return decoded;
    } catch (ImageRejectedException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      if (stop.reason != null) {
        throw stop.reason;
      }
      throw new ImageRejectedException(format.displayName() + " image is corrupt or truncated: " + describe(e));
    } finally {
      reader.dispose();
    }
  }

  /** Aborts the reader (which stops within a few rows) the first time the cutoff says stop. */
  private static final class ReadCutoff implements IIOReadProgressListener {
    private final DecodeCutoff cutoff;
    private RuntimeException reason;

    ReadCutoff(DecodeCutoff cutoff) {
      this.cutoff = cutoff;
    }

    @Override
    public void imageProgress(ImageReader source, float percentageDone) {
      if (reason == null) {
        reason = cutoff.stopReason();
        if (reason != null) {
          source.abort();
        }
      }
    }

    @Override
    public void sequenceStarted(ImageReader source, int minIndex) {}

    @Override
    public void sequenceComplete(ImageReader source) {}

    @Override
    public void imageStarted(ImageReader source, int imageIndex) {}

    @Override
    public void imageComplete(ImageReader source) {}

    @Override
    public void thumbnailStarted(ImageReader source, int imageIndex, int thumbnailIndex) {}

    @Override
    public void thumbnailProgress(ImageReader source, float percentageDone) {}

    @Override
    public void thumbnailComplete(ImageReader source) {}

    @Override
    public void readAborted(ImageReader source) {}
  }

  private static ImageReader readerFor(ImageFormat format) {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format == ImageFormat.PNG ? "png" : "jpeg");
    if (!readers.hasNext()) {
      throw new IllegalStateException("this JVM has no ImageIO reader for " + format.displayName());
    }
    return readers.next();
  }

  private static String describe(Throwable e) {
    String message = e.getMessage();
    return message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
  }
}
