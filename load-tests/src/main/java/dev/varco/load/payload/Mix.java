package dev.varco.load.payload;

import java.util.Optional;

/**
 * Which language and image the n-th user sends, so that every run of 4 users covers text only and each
 * image size, and every 8 users each of those in both languages (short CI runs still see them all).
 */
public final class Mix {
  private Mix() {}

  /** Empty for every fourth user; the small, 384x384 and 1024x768 image for the others. */
  public static Optional<TestImages.Sized> image(long n) {
    int slot = (int) Math.floorMod(n, 4L);
    return slot == 0 ? Optional.empty() : Optional.of(TestImages.all().get(slot - 1));
  }

  /** The image size for a turn that always has one: small, 384x384, 1024x768 in turn. */
  public static TestImages.Sized alwaysImage(long n) {
    return TestImages.all().get((int) Math.floorMod(n, (long) TestImages.all().size()));
  }

  /** Korean or English, alternating so that each image slot gets both within 8 users. */
  public static Prompts.Language language(long n) {
    return Math.floorMod(n + Math.floorDiv(n, 4L), 2L) == 0 ? Prompts.Language.KOREAN : Prompts.Language.ENGLISH;
  }
}
