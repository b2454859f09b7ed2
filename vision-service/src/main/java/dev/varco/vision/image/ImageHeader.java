package dev.varco.vision.image;

/**
 * What the file's structure says before any pixel is decoded: format, stored size, EXIF
 * orientation and the colour layout the RGB conversion needs.
 *
 * @param format PNG or JPEG
 * @param width stored width (before the EXIF orientation is applied)
 * @param height stored height
 * @param orientation EXIF orientation 1..8 (1: upright, also when absent)
 * @param channels PNG: colour type's channel count; JPEG: component count
 * @param greyWithoutAlpha a PNG greyscale image without alpha channel (colour type 0), which
 *     Pillow opens as 32-bit integers when 16-bit, so its RGB conversion clamps rather than scales
 * @param adobeTransform JPEG APP14 colour transform (0 none, 1 YCbCr, 2 YCCK), -1 when absent
 */
record ImageHeader(
    ImageFormat format,
    long width,
    long height,
    int orientation,
    int channels,
    boolean greyWithoutAlpha,
    int adobeTransform) {}
