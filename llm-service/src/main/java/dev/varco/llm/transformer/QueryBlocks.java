package dev.varco.llm.transformer;

import java.util.ArrayList;
import java.util.List;

/**
 * The attention work of one forward pass cut into blocks: up to {@link #SIZE} queries (a row and
 * one of its heads) of the same sequence that share a key/value head, in row-major order (a row's
 * heads of the group, then the next row's). A block reads each key page and value row once for all
 * its queries, so a prefill chunk or the heads of a decode row share their cache reads.
 */
final class QueryBlocks {
  static final int SIZE = 4;

  private final List<KvCache> caches = new ArrayList<>();
  /** Per block: index into caches, kv head, first row of the sequence, first query, query count. */
  private int[] blocks = new int[64 * 5];
  private int count;
  private final int group;

  private QueryBlocks(int group) {
    this.group = group;
  }

  static QueryBlocks of(List<SequenceRows> sequences, int heads, int kvHeads) {
    QueryBlocks result = new QueryBlocks(heads / kvHeads);
    int firstRow = 0;
    for (SequenceRows s : sequences) {
      result.caches.add(s.kv());
      int queries = s.rows() * result.group;
      for (int kvHead = 0; kvHead < kvHeads; kvHead++) {
        for (int first = 0; first < queries; first += SIZE) {
          result.add(result.caches.size() - 1, kvHead, firstRow, first, Math.min(SIZE, queries - first));
        }
      }
      firstRow += s.rows();
    }
    return result;
  }

  private void add(int cache, int kvHead, int firstRow, int firstQuery, int queries) {
    if ((count + 1) * 5 > blocks.length) {
      blocks = java.util.Arrays.copyOf(blocks, blocks.length * 2);
    }
    int at = count * 5;
    blocks[at] = cache;
    blocks[at + 1] = kvHead;
    blocks[at + 2] = firstRow;
    blocks[at + 3] = firstQuery;
    blocks[at + 4] = queries;
    count++;
  }

  int count() {
    return count;
  }

  KvCache kv(int block) {
    return caches.get(blocks[block * 5]);
  }

  int kvHead(int block) {
    return blocks[block * 5 + 1];
  }

  int queries(int block) {
    return blocks[block * 5 + 4];
  }

  /** The batch row of the block's i-th query. */
  int row(int block, int i) {
    return blocks[block * 5 + 2] + (blocks[block * 5 + 3] + i) / group;
  }

  /** The attention head of the block's i-th query. */
  int head(int block, int i) {
    return kvHead(block) * group + (blocks[block * 5 + 3] + i) % group;
  }
}
