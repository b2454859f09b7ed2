package dev.varco.llm.transformer;

/**
 * One sequence's share of a forward pass: {@code rows} consecutive positions from
 * {@code startPosition}, whose keys and values go to {@code kv}, and whether the next-token logits
 * after its last row are wanted (the last prefill chunk of a prompt and every decode row; not
 * the chunks before).
 */
public record SequenceRows(KvCache kv, int startPosition, int rows, boolean wantsLogits) {
  public SequenceRows {
    if (rows < 1) {
      throw new IllegalArgumentException("a sequence contributes at least one row, got " + rows);
    }
    if (startPosition < 0) {
      throw new IllegalArgumentException("negative start position " + startPosition);
    }
  }
}
