package dev.varco.eval.judge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.varco.eval.data.Item;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JudgeScoresTest {
  @Test
  void readsTheFirstScoredLine() {
    assertEquals(Optional.of(new JudgeScores(8, 9)), JudgeScores.parse("8 9\n어시스턴트 2가 더 자세합니다."));
    assertEquals(Optional.of(new JudgeScores(10, 7)), JudgeScores.parse("**10 7**\n설명..."));
    assertEquals(Optional.of(new JudgeScores(7.5, 8)), JudgeScores.parse("점수:\n7.5, 8\n"));
    assertEquals(Optional.of(new JudgeScores(9, 10)), JudgeScores.parse("`9 10`"));
  }

  @Test
  void unusableJudgementsGiveNothing() {
    assertEquals(Optional.empty(), JudgeScores.parse("두 어시스턴트 모두 훌륭합니다."));
    assertEquals(Optional.empty(), JudgeScores.parse("0 11"));
    assertEquals(Optional.empty(), JudgeScores.parse(null));
  }

  @Test
  void promptHoldsCaptionQuestionReferenceThenAnswer() {
    Item item = new Item("1", "무엇이 보이나요?", null, Map.of(), null, "conv", new byte[] {1}, "사과 한 개", "사과가 있습니다.");
    String prompt = JudgePrompt.of(item, "빨간 사과입니다.");
    assertTrue(prompt.startsWith("[설명]\n사과 한 개\n\n[질문]\n무엇이 보이나요?\n\n[어시스턴트 1]\n사과가 있습니다.\n[어시스턴트 1 끝]\n\n"
        + "[어시스턴트 2]\n빨간 사과입니다.\n[어시스턴트 2 끝]\n\n[System]\n"), prompt);
    assertTrue(prompt.contains("- 첫 번째 줄: `어시스턴트1_점수 어시스턴트2_점수` (예: `8 9`)"));
  }
}
