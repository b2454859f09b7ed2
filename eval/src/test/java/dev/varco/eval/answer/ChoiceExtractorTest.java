package dev.varco.eval.answer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The extraction rule on answers shaped like what VLMs actually write to these prompts. */
class ChoiceExtractorTest {
  private static final Map<String, String> OPTIONS = new LinkedHashMap<>();

  static {
    OPTIONS.put("A", "고양이가 소파 위에 있다");
    OPTIONS.put("B", "강아지");
    OPTIONS.put("C", "검은 강아지");
    OPTIONS.put("D", "3개");
  }

  @ParameterizedTest(name = "{0} -> {1} ({2})")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
      B                                               | B    | letter
      b                                               |      | none
      (C)                                             | C    | letter
      D.                                              | D    | letter
      **B**                                           | B    | letter
      Ｃ                                              | C    | letter
      '  A\n\n이미지에서 고양이가 소파 위에 있습니다.'    | A    | letter
      B. 강아지                                        | B    | leading
      B) 강아지                                        | B    | leading
      (D) 3개가 보입니다.                               | D    | leading
      C: 검은 강아지입니다                              | C    | leading
      B 강아지                                         | B    | leading
      정답은 B입니다.                                   | B    | phrase
      정답: C                                          | C    | phrase
      답은 (D)                                         | D    | phrase
      옵션 B                                           | B    | phrase
      선택지 A가 가장 적절합니다.                        | A    | phrase
      The answer is C.                                | C    | phrase
      Answer: D                                       | D    | phrase
      이미지를 보면 B입니다.                             | B    | suffix
      C번                                             | C    | suffix
      사진 속 동물로 보아 D가 정답입니다.                 | D    | suffix
      고양이가 소파 위에 있다                            | A    | text
      고양이가 소파 위에 있다.                           | A    | text
      사진에는 검은 강아지가 있습니다.                    | C    | text
      사진 속 동물은 강아지입니다.                        | B    | text
      'A cat is on the sofa, so the answer would be D' | D    | lone
      모르겠습니다.                                     |      | none
      A와 B 모두 가능합니다.                             |      | none
      정답은 A 또는 C입니다.                             |      | none
      ''                                              |      | none
      E                                               |      | none
      """)
  void extracts(String answer, String letter, String rule) {
    ChoiceExtractor.Choice choice = ChoiceExtractor.extract(answer.replace("\\n", "\n"), OPTIONS);
    assertEquals(letter, choice.letter(), "letter of '" + answer + "'");
    assertEquals(rule, choice.rule(), "rule for '" + answer + "'");
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      E       | E
      정답은 E | E
      """)
  void fiveOptionSetsAcceptE(String answer, String letter) {
    Map<String, String> five = new LinkedHashMap<>(OPTIONS);
    five.put("E", "없음");
    assertEquals(letter, ChoiceExtractor.extract(answer, five).letter());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      B  | B
      정답은 D | D
      """)
  void optionsInsideTheQuestionFallBackToAToD(String answer, String letter) {
    assertEquals(letter, ChoiceExtractor.extract(answer, Map.of()).letter());
  }
}
