package dev.varco.vision.image;

import dev.varco.model.manifest.InvalidModelDirectoryException;
import dev.varco.model.manifest.ModelManifest;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The image layout rules of one model, taken from its manifest: tile size, the feature grid one
 * tile yields, the candidate grid canvases and the anyres_max budget beyond which the packed grid
 * is downsampled.
 *
 * @param tileSize side of one encoder input tile in pixels ({@code image_size}, 384)
 * @param featureSide side of the feature grid one tile yields ({@code image_size // patch_size}, 27)
 * @param pinpoints candidate canvases, in the manifest's order (ties are broken by that order)
 * @param maxTiles the N of {@code anyres_max_N}: grids larger than N tiles' worth of features are downsampled
 */
public record AnyresGeometry(int tileSize, int featureSide, List<GridPinpoint> pinpoints, int maxTiles) {

  private static final Pattern ANYRES_MAX = Pattern.compile("anyres_max_(\\d+)");

  public AnyresGeometry {
    pinpoints = List.copyOf(pinpoints);
    if (pinpoints.isEmpty()) {
      throw new IllegalArgumentException("image_grid_pinpoints is empty");
    }
  }

  public int tokensPerTile() {
    return featureSide * featureSide;
  }

  /** Reads and checks the geometry; a manifest that contradicts itself is refused, naming the keys. */
  public static AnyresGeometry from(ModelManifest.Vision vision) {
    int size = vision.imageSize();
    int patch = vision.patchSize();
    if (size <= 0 || patch <= 0 || patch > size) {
      throw new InvalidModelDirectoryException(
          "vision.image_size " + size + " and vision.patch_size " + patch + " do not make a patch grid");
    }
    int side = size / patch; // the patch convolution drops the remainder: 384 / 14 -> 27
    if (vision.tokensPerTile() != side * side) {
      throw new InvalidModelDirectoryException(
          "vision.tokens_per_tile " + vision.tokensPerTile() + " does not match floor(image_size / patch_size)^2 = "
              + side * side);
    }
    Matcher matcher = ANYRES_MAX.matcher(String.valueOf(vision.visionAspectRatio()));
    if (!matcher.matches()) {
      throw new InvalidModelDirectoryException(
          "vision.vision_aspect_ratio '" + vision.visionAspectRatio() + "' is not supported (expected anyres_max_N)");
    }
    if (vision.imageGridPinpoints() == null || vision.imageGridPinpoints().isEmpty()) {
      throw new InvalidModelDirectoryException("vision.image_grid_pinpoints is missing or empty");
    }
    List<GridPinpoint> pinpoints =
        vision.imageGridPinpoints().stream()
            .map(
                pair -> {
                  if (pair.size() != 2 || pair.get(0) % size != 0 || pair.get(1) % size != 0
                      || pair.get(0) <= 0 || pair.get(1) <= 0) {
                    throw new InvalidModelDirectoryException(
                        "vision.image_grid_pinpoints entry " + pair + " is not [height, width] in multiples of "
                            + size);
                  }
                  return new GridPinpoint(pair.get(0), pair.get(1));
                })
            .toList();
    return new AnyresGeometry(size, side, pinpoints, Integer.parseInt(matcher.group(1)));
  }
}
