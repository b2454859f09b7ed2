package dev.varco.load.payload;

import java.util.List;

/** Korean and English prompts: the two languages VARCO-VISION is built for. */
public final class Prompts {
  /** A prompt language. */
  public enum Language { KOREAN, ENGLISH }

  private static final List<String> KOREAN_TEXT = List.of(
      "서울의 가을 날씨에 대해 짧게 설명해 주세요.",
      "인공지능이 의료 분야에서 할 수 있는 일을 세 가지 알려 주세요.",
      "김치찌개를 맛있게 끓이는 방법을 알려 주세요.");
  private static final List<String> ENGLISH_TEXT = List.of(
      "Explain in two sentences why the sky is blue.",
      "List three things a vision-language model can do for a museum.",
      "Write a short note inviting a colleague to lunch.");
  private static final List<String> KOREAN_IMAGE = List.of(
      "이 이미지를 자세히 설명해 주세요.", "이 그림에 어떤 색과 모양이 있나요?");
  private static final List<String> ENGLISH_IMAGE = List.of(
      "Describe this image in detail.", "Which colours and shapes do you see in this picture?");
  private static final List<String> KOREAN_FOLLOW_UP = List.of(
      "조금 더 자세히 말해 주세요.", "방금 한 말을 한 문장으로 요약해 주세요.", "다른 예를 하나 더 들어 주세요.", "고마워요. 마지막으로 하나만 더 알려 주세요.");
  private static final List<String> ENGLISH_FOLLOW_UP = List.of(
      "Tell me a bit more about that.", "Summarise what you just said in one sentence.", "Give me one more example.", "Thanks. One last thing, please.");

  private Prompts() {}

  /** A text-only question; {@code n} picks one of several. */
  public static String question(Language language, long n) {
    return pick(language == Language.KOREAN ? KOREAN_TEXT : ENGLISH_TEXT, n);
  }

  /** A question about an attached image. */
  public static String imageQuestion(Language language, long n) {
    return pick(language == Language.KOREAN ? KOREAN_IMAGE : ENGLISH_IMAGE, n);
  }

  /** A later turn of a conversation, which only makes sense with the turns before it. */
  public static String followUp(Language language, long n) {
    return pick(language == Language.KOREAN ? KOREAN_FOLLOW_UP : ENGLISH_FOLLOW_UP, n);
  }

  private static String pick(List<String> options, long n) {
    return options.get((int) Math.floorMod(n, (long) options.size()));
  }
}
