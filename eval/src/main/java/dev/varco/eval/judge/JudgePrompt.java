package dev.varco.eval.judge;

import dev.varco.eval.data.Item;

/**
 * K-LLaVA-W's judge prompt (the VARCO-VISION paper's appendix, in Korean): the image caption, the
 * question, the reference answer as assistant 1 and the evaluated model's answer as assistant 2;
 * the judge gives both a 1-10 score on the first line.
 */
public final class JudgePrompt {
  private JudgePrompt() {}

  public static String of(Item item, String answer) {
    return """
        [설명]
        %s

        [질문]
        %s

        [어시스턴트 1]
        %s
        [어시스턴트 1 끝]

        [어시스턴트 2]
        %s
        [어시스턴트 2 끝]

        [System]
        두 인공지능 어시스턴트의 성능을 [질문]에 대한 응답에 기반하여 평가하세요. 해당 [질문]은 특정 이미지를 보고 생성되었습니다. `유용성`, `관련성`, `정확성`, `세부 수준`, `한국어 생성능력`을 기준으로 응답을 평가하세요. 각각의 어시스턴트에게 1에서 10까지의 전반적인 점수를 부여하며, 높은 점수일수록 더 나은 전반적인 성능을 나타냅니다.

        # 단계
        1. 제공된 이미지 [설명]을 검토하세요.
        2. 각 어시스턴트의 응답을 다음 기준으로 분석하세요:
        - `유용성`: 응답이 사용자의 질문을 얼마나 잘 해결하는가?
        - `관련성`: 응답이 사용자의 질문에 얼마나 적절한가?
        - `정확성`: 응답에서 제공한 정보가 얼마나 정확한가?
        - `세부 수준`: 응답이 과하지 않게 충분히 자세한가?
        - `한국어 생성능력`: 생성된 한국어 문장이 자연스럽고 문법적으로 올바른가?
        3. 분석에 기반하여 각 어시스턴트에게 1에서 10까지의 점수를 부여하세요.
        4. 두 점수를 공백으로 구분하여 한 줄로 제공하세요.
        5. 점수에 대한 이유를 강조하면서 포괄적인 평가를 제공하고, 편견을 피하며 응답의 순서가 판단에 영향을 미치지 않도록 하세요.

        # 출력 형식
        - 첫 번째 줄: `어시스턴트1_점수 어시스턴트2_점수` (예: `8 9`)
        - 두 번째 줄: `유용성`, `관련성`, `정확성`, `세부 수준`, `한국어 생성능력` 기준으로 점수를 설명하는 자세한 문단을 제공합니다.

        # 주의사항
        - 평가 시 잠재적 편견을 방지하여 객관성을 확보하세요.
        - 분석과 설명에서 일관성과 명확성을 유지하세요.""".formatted(
        nullToEmpty(item.caption()), item.question(), nullToEmpty(item.reference()), answer);
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }
}
