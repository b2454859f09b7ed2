package dev.varco.gateway.api;

import static dev.varco.gateway.api.JsonFields.abbreviate;

import dev.varco.gateway.chat.InvalidRequestException;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;

/**
 * Decodes the {@code data:} URLs OpenAI clients put in {@code image_url.url}. The gateway never
 * fetches remote URLs: a product that must not reach the network cannot download user images.
 */
final class ImageDataUrl {
  private static final Set<String> SUPPORTED_TYPES = Set.of("image/png", "image/jpeg", "image/jpg");

  private ImageDataUrl() {}

  /** The image bytes of a data URL, or an {@link InvalidRequestException} naming {@code param}. */
  static byte[] decode(String url, String param, int maxBytes) {
    if (url == null || url.isBlank()) {
      throw new InvalidRequestException(param, param + " is empty: expected a data: URL with a PNG or JPEG image");
    }
    if (!url.regionMatches(true, 0, "data:", 0, 5)) {
      String scheme = url.contains(":") ? url.substring(0, url.indexOf(':')) : url;
      throw new InvalidRequestException(param, param + " uses '" + abbreviate(scheme)
          + "': only data: URLs are supported (data:image/png;base64,...); the gateway does not fetch remote images");
    }
    int comma = url.indexOf(',');
    if (comma < 0) {
      throw new InvalidRequestException(param, param + " is not a valid data URL: the ',' before the data is missing");
    }
    String header = url.substring(5, comma).toLowerCase(Locale.ROOT);
    String mediaType = header.split(";", 2)[0].trim();
    if (!mediaType.startsWith("image/")) {
      throw new InvalidRequestException(param, param + " is a data URL of type '"
          + (mediaType.isEmpty() ? "text/plain" : abbreviate(mediaType)) + "', not an image; send PNG or JPEG");
    }
    if (!SUPPORTED_TYPES.contains(mediaType)) {
      throw new InvalidRequestException(param, param + " is " + abbreviate(mediaType)
          + ", which is not supported; send PNG or JPEG");
    }
    if (!header.endsWith(";base64")) {
      throw new InvalidRequestException(param, param + " must be base64-encoded (data:" + mediaType + ";base64,...)");
    }
    // Upper bound of the decoded size, checked before allocating anything.
    long encodedLength = url.length() - comma - 1L;
    if (encodedLength / 4 * 3 > maxBytes + 2L) {
      throw new InvalidRequestException(param, param + " holds more than the " + maxBytes
          + "-byte image limit (varco.gateway.max-image-bytes)");
    }
    byte[] bytes;
    try {
      // Strict decoding: the MIME decoder would silently skip garbage characters.
      bytes = Base64.getDecoder().decode(url.substring(comma + 1).replaceAll("\\s+", ""));
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException(param, param + " is not valid base64: " + e.getMessage());
    }
    if (bytes.length == 0) {
      throw new InvalidRequestException(param, param + " holds no image data");
    }
    if (bytes.length > maxBytes) {
      throw new InvalidRequestException(param, param + " is " + bytes.length + " bytes, over the " + maxBytes
          + "-byte image limit (varco.gateway.max-image-bytes)");
    }
    return bytes;
  }

  /**
   * The media type of a data URL that {@link #decode} accepted, {@code image/jpg} spelled
   * {@code image/jpeg}.
   */
  static String mediaType(String url) {
    String type = url.substring(5, url.indexOf(',')).toLowerCase(Locale.ROOT).split(";", 2)[0].trim();
    return type.equals("image/jpg") ? "image/jpeg" : type;
  }
}
