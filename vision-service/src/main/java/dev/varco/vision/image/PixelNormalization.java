package dev.varco.vision.image;

import dev.varco.model.manifest.InvalidModelDirectoryException;
import dev.varco.model.manifest.ModelManifest;
import java.util.List;

/** {@code (value * rescale - mean[c]) / std[c]}: the processor's rescale + normalize, per RGB channel. */
public record PixelNormalization(double rescaleFactor, double[] mean, double[] std) {

  public static PixelNormalization from(ModelManifest.Vision vision) {
    return new PixelNormalization(
        vision.rescaleFactor(), threeChannels("image_mean", vision.imageMean()), threeChannels("image_std", vision.imageStd()));
  }

  private static double[] threeChannels(String key, List<Double> values) {
    if (values == null || values.size() != 3) {
      throw new InvalidModelDirectoryException("vision." + key + " must hold 3 values (R, G, B), got " + values);
    }
    return values.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** The 256 possible normalised values of one channel, so tiling does no per-pixel division. */
  float[] lookupTable(int channel) {
    float[] table = new float[256];
    for (int v = 0; v < 256; v++) {
      table[v] = (float) ((v * rescaleFactor - mean[channel]) / std[channel]);
    }
    return table;
  }
}
