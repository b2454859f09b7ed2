package dev.varco.llm.transformer;

import dev.varco.llm.kernels.LaneSums;
import dev.varco.llm.kernels.MatMul;
import dev.varco.llm.kernels.ParallelLoop;
import dev.varco.llm.kernels.WeightMatrix;
import dev.varco.model.checkpoint.Qwen2TextConfig;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Qwen2 decoder's forward pass over a batch of rows drawn from any number of sequences: every
 * projection is one matmul over all rows of the batch (each weight matrix is read once per pass,
 * however many sequences share it), attention runs per row on that row's own sequence's KV
 * cache. A row's result depends only on its sequence's earlier positions, never on the batch it
 * came in: prefill in chunks of any size, decode alone or beside others, give the same bits.
 *
 * <p>Not thread-safe: one thread (the engine's model thread) calls {@link #forward}; the kernels
 * fan out to the {@link ParallelLoop}'s team.
 */
public final class TransformerForward implements AutoCloseable {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = S.length();
  private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.nativeOrder());
  /** Rows per task for the row-wise steps (norms, rotary, activation). */
  private static final int ROWS_PER_TASK = 8;
  /** Vectors per query in an attention tile (4 queries x 4 vectors: 16 accumulators). */
  private static final int TILE_VECTORS = 4;

  private final DecoderWeights weights;
  private final ParallelLoop loop;
  private final MatMul.Scratch scratch;
  private final PartialSums sums;
  private final RotaryTable rotary;
  private final int hidden;
  private final int heads;
  private final int kvHeads;
  private final int headDim;
  private final int qWidth;
  private final int kvWidth;
  private final int qkvWidth;
  private final int intermediate;
  private final int vocab;
  private final int contextLength;
  private final float eps;
  private final float scale;
  private final float[][] attentionScratch;

  private float[] normed = new float[0];
  private float[] qkv = new float[0];
  private float[] attention = new float[0];
  private float[] projected = new float[0];
  private float[] gateUp = new float[0];
  private float[] activated = new float[0];

  public TransformerForward(DecoderWeights weights, ParallelLoop loop, PartialSums sums) {
    Qwen2TextConfig c = weights.config();
    this.weights = weights;
    this.loop = loop;
    this.scratch = new MatMul.Scratch(loop);
    this.sums = sums;
    this.hidden = c.hiddenSize();
    this.heads = weights.heads();
    this.kvHeads = weights.kvHeads();
    this.headDim = c.headDim();
    this.qWidth = heads * headDim;
    this.kvWidth = kvHeads * headDim;
    this.qkvWidth = qWidth + 2 * kvWidth;
    this.intermediate = weights.intermediateSize();
    this.vocab = weights.outputHead().rows();
    this.contextLength = c.maxPositionEmbeddings();
    this.eps = (float) c.rmsNormEps();
    this.scale = (float) (1.0 / Math.sqrt(headDim));
    this.rotary = new RotaryTable(headDim, c.ropeTheta(), contextLength);
    this.attentionScratch = new float[loop.threads()][];
  }

  public int hiddenSize() {
    return hidden;
  }

  public int vocabSize() {
    return vocab;
  }

  /** Positions 0 .. contextLength-1 exist (the rotary table and KV caches end there). */
  public int contextLength() {
    return contextLength;
  }

  /** An empty KV cache for one sequence of this decoder. */
  public KvCache newKvCache() {
    return new KvCache(weights.layerCount(), kvWidth, contextLength);
  }

  /** Bytes a KV cache holds for {@code positions} positions. */
  public long kvBytes(int positions) {
    return KvCache.bytes(weights.layerCount(), kvWidth, positions);
  }

  /**
   * Runs the rows of {@code sequences} (in that order, {@code hidden} floats each in {@code rows},
   * which the pass overwrites) and returns the next-token logits after the last row of each
   * sequence that wants them, in order.
   */
  public float[][] forward(List<SequenceRows> sequences, float[] rows) {
    int total = 0;
    for (SequenceRows s : sequences) {
      if (s.startPosition() + s.rows() > contextLength) {
        throw new IllegalArgumentException("positions up to " + (s.startPosition() + s.rows() - 1)
            + " are beyond the context length of " + contextLength);
      }
      s.kv().ensureCapacity(s.startPosition() + s.rows());
      total += s.rows();
    }
    if (rows.length < total * hidden) {
      throw new IllegalArgumentException(total + " rows need " + total * hidden + " floats, got " + rows.length);
    }
    int[] rowSequence = new int[total];
    int[] rowPosition = new int[total];
    int row = 0;
    for (int i = 0; i < sequences.size(); i++) {
      SequenceRows s = sequences.get(i);
      for (int r = 0; r < s.rows(); r++, row++) {
        rowSequence[row] = i;
        rowPosition[row] = s.startPosition() + r;
      }
    }
    ensureScratch(total);
    sums.beginPass(sequences, rows, total);
    QueryBlocks blocks = QueryBlocks.of(sequences, heads, kvHeads);
    for (int layer = 0; layer < weights.layerCount(); layer++) {
      layer(layer, weights.layer(layer), sequences, rows, total, rowSequence, rowPosition, blocks);
    }
    return logits(sequences, rows);
  }

  private void layer(int index, DecoderWeights.Layer w, List<SequenceRows> sequences, float[] x, int total,
      int[] rowSequence, int[] rowPosition, QueryBlocks blocks) {
    normRows(x, w.inputNorm(), total);
    MatMul.multiply(loop, scratch, normed, total, w.q(), qkv, qkvWidth, 0);
    MatMul.multiply(loop, scratch, normed, total, w.k(), qkv, qkvWidth, qWidth);
    MatMul.multiply(loop, scratch, normed, total, w.v(), qkv, qkvWidth, qWidth + kvWidth);
    forRows(total, r -> {
      int base = r * qkvWidth;
      VectorMath.add(qkv, base, w.qBias(), 0, qWidth);
      VectorMath.add(qkv, base + qWidth, w.kBias(), 0, kvWidth);
      VectorMath.add(qkv, base + qWidth + kvWidth, w.vBias(), 0, kvWidth);
      int position = rowPosition[r];
      for (int h = 0; h < heads; h++) {
        rotary.rotate(qkv, base + h * headDim, position);
      }
      for (int h = 0; h < kvHeads; h++) {
        rotary.rotate(qkv, base + qWidth + h * headDim, position);
      }
      KvCache kv = sequences.get(rowSequence[r]).kv();
      MemorySegment page = kv.page(position);
      for (int column = 0; column < kvWidth; column++) {
        page.set(FLOAT, kv.keyOffset(index, column, position), qkv[base + qWidth + column]);
      }
      MemorySegment.copy(qkv, base + qWidth + kvWidth, page, FLOAT, kv.valueOffset(index, position), kvWidth);
    });
    loop.run(blocks.count(), (task, worker) -> attendBlock(index, blocks, task, rowPosition, worker));
    MatMul.multiply(loop, scratch, attention, total, w.o(), projected, hidden, 0);
    sums.allReduce(index, PartialSums.Point.ATTENTION_OUTPUT, projected, total, hidden);
    forRows(total, r -> VectorMath.add(x, r * hidden, projected, r * hidden, hidden));

    normRows(x, w.postAttentionNorm(), total);
    MatMul.multiply(loop, scratch, normed, total, w.gate(), gateUp, 2 * intermediate, 0);
    MatMul.multiply(loop, scratch, normed, total, w.up(), gateUp, 2 * intermediate, intermediate);
    forRows(total, r -> VectorMath.siluProduct(
        gateUp, r * 2 * intermediate, gateUp, r * 2 * intermediate + intermediate, activated, r * intermediate, intermediate));
    MatMul.multiply(loop, scratch, activated, total, w.down(), projected, hidden, 0);
    sums.allReduce(index, PartialSums.Point.MLP_OUTPUT, projected, total, hidden);
    forRows(total, r -> VectorMath.add(x, r * hidden, projected, r * hidden, hidden));
  }

  /**
   * Causal attention of up to {@link QueryBlocks#SIZE} queries (row, head) of one sequence that
   * share a key/value head: softmax(q·k / sqrt(d)) weighted sum of the values over positions
   * 0..position of each query's row. The block reads each page of keys and each value row once for
   * all its queries. Scores come a page of keys at a time with lanes along positions (keys are
   * stored transposed); the weighted sum a vector of dims at a time, in position order. A query's
   * result does not depend on the block it is in: its scores, softmax and sum are computed the
   * same way alone, and positions past its own row weigh exactly 0.
   */
  private void attendBlock(int layer, QueryBlocks blocks, int block, int[] rowPosition, int worker) {
    KvCache kv = blocks.kv(block);
    int kvHead = blocks.kvHead(block);
    int queries = blocks.queries(block);
    int[] q = new int[QueryBlocks.SIZE];
    int[] out = new int[QueryBlocks.SIZE];
    int[] count = new int[QueryBlocks.SIZE];
    int maxCount = 0;
    for (int i = 0; i < QueryBlocks.SIZE; i++) {
      int query = Math.min(i, queries - 1); // missing queries repeat the last one (same result, same place)
      int row = blocks.row(block, query);
      int head = blocks.head(block, query);
      q[i] = row * qkvWidth + head * headDim;
      out[i] = row * qWidth + head * headDim;
      count[i] = rowPosition[row] + 1;
      maxCount = Math.max(maxCount, count[i]);
    }
    int padded = (maxCount + KvCache.PAGE_POSITIONS - 1) / KvCache.PAGE_POSITIONS * KvCache.PAGE_POSITIONS;
    float[] scores = attentionScratch[worker];
    if (scores == null || scores.length < QueryBlocks.SIZE * padded) {
      scores = new float[QueryBlocks.SIZE * Math.max(padded, 1024) * 2];
      attentionScratch[worker] = scores;
    }
    int s1 = padded, s2 = 2 * padded, s3 = 3 * padded;
    long column = (long) kvHead * headDim;
    for (int start = 0; start < maxCount; start += KvCache.PAGE_POSITIONS) {
      scorePage(kv.page(start), kv.keyOffset(layer, (int) column, start), q, scores, start, s1, s2, s3);
    }
    float[] inverse = new float[QueryBlocks.SIZE];
    for (int i = 0; i < QueryBlocks.SIZE; i++) {
      inverse[i] = softmaxWeights(scores, i * padded, count[i], maxCount);
    }
    long values = column * Float.BYTES;
    int wideDims = headDim - headDim % (TILE_VECTORS * LANES);
    for (int d = 0; d < wideDims; d += TILE_VECTORS * LANES) {
      weighValues(kv, layer, values + (long) d * Float.BYTES, maxCount, scores, s1, s2, s3, out, d, inverse);
    }
    int vectorDims = headDim - headDim % LANES;
    for (int d = wideDims; d < vectorDims; d += LANES) {
      FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
      for (int t = 0; t < maxCount; t++) {
        FloatVector value = FloatVector.fromMemorySegment(
            S, kv.page(t), kv.valueOffset(layer, t) + values + (long) d * Float.BYTES, ByteOrder.nativeOrder());
        a0 = value.fma(FloatVector.broadcast(S, scores[t]), a0);
        a1 = value.fma(FloatVector.broadcast(S, scores[s1 + t]), a1);
        a2 = value.fma(FloatVector.broadcast(S, scores[s2 + t]), a2);
        a3 = value.fma(FloatVector.broadcast(S, scores[s3 + t]), a3);
      }
      // Unconditional, as in weighValues: a repeated query writes its own bits again.
      a0.mul(inverse[0]).intoArray(attention, out[0] + d);
      a1.mul(inverse[1]).intoArray(attention, out[1] + d);
      a2.mul(inverse[2]).intoArray(attention, out[2] + d);
      a3.mul(inverse[3]).intoArray(attention, out[3] + d);
    }
    for (int d = vectorDims; d < headDim; d++) {
      for (int i = 0; i < queries; i++) {
        float acc = 0f;
        for (int t = 0; t < maxCount; t++) {
          acc = Math.fma(kv.page(t).get(FLOAT, kv.valueOffset(layer, t) + values + (long) d * Float.BYTES),
              scores[i * padded + t], acc);
        }
        attention[out[i] + d] = acc * inverse[i];
      }
    }
  }

  /**
   * Scaled scores of the block's four queries against one page of keys (all its positions; those
   * past the block's last row are never weighed): a tile of 4 queries x {@link #TILE_VECTORS}
   * vectors of positions, FMAs along the head dims in order, so each score is the same sum however
   * the page is cut.
   */
  private void scorePage(MemorySegment page, long keys, int[] q, float[] scores, int start, int s1, int s2, int s3) {
    long dimStride = (long) KvCache.PAGE_POSITIONS * Float.BYTES;
    long vectorBytes = (long) LANES * Float.BYTES;
    int q0 = q[0], q1 = q[1], q2 = q[2], q3 = q[3];
    for (int v = 0; v < KvCache.PAGE_POSITIONS; v += TILE_VECTORS * LANES) {
      FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
      FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
      FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
      FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
      long at = keys + (long) v * Float.BYTES;
      for (int d = 0; d < headDim; d++, at += dimStride) {
        FloatVector k0 = FloatVector.fromMemorySegment(S, page, at, ByteOrder.nativeOrder());
        FloatVector k1 = FloatVector.fromMemorySegment(S, page, at + vectorBytes, ByteOrder.nativeOrder());
        FloatVector k2 = FloatVector.fromMemorySegment(S, page, at + 2 * vectorBytes, ByteOrder.nativeOrder());
        FloatVector k3 = FloatVector.fromMemorySegment(S, page, at + 3 * vectorBytes, ByteOrder.nativeOrder());
        FloatVector x = FloatVector.broadcast(S, qkv[q0 + d]);
        a00 = x.fma(k0, a00);
        a01 = x.fma(k1, a01);
        a02 = x.fma(k2, a02);
        a03 = x.fma(k3, a03);
        x = FloatVector.broadcast(S, qkv[q1 + d]);
        a10 = x.fma(k0, a10);
        a11 = x.fma(k1, a11);
        a12 = x.fma(k2, a12);
        a13 = x.fma(k3, a13);
        x = FloatVector.broadcast(S, qkv[q2 + d]);
        a20 = x.fma(k0, a20);
        a21 = x.fma(k1, a21);
        a22 = x.fma(k2, a22);
        a23 = x.fma(k3, a23);
        x = FloatVector.broadcast(S, qkv[q3 + d]);
        a30 = x.fma(k0, a30);
        a31 = x.fma(k1, a31);
        a32 = x.fma(k2, a32);
        a33 = x.fma(k3, a33);
      }
      int p = start + v;
      a00.mul(scale).intoArray(scores, p);
      a01.mul(scale).intoArray(scores, p + LANES);
      a02.mul(scale).intoArray(scores, p + 2 * LANES);
      a03.mul(scale).intoArray(scores, p + 3 * LANES);
      a10.mul(scale).intoArray(scores, s1 + p);
      a11.mul(scale).intoArray(scores, s1 + p + LANES);
      a12.mul(scale).intoArray(scores, s1 + p + 2 * LANES);
      a13.mul(scale).intoArray(scores, s1 + p + 3 * LANES);
      a20.mul(scale).intoArray(scores, s2 + p);
      a21.mul(scale).intoArray(scores, s2 + p + LANES);
      a22.mul(scale).intoArray(scores, s2 + p + 2 * LANES);
      a23.mul(scale).intoArray(scores, s2 + p + 3 * LANES);
      a30.mul(scale).intoArray(scores, s3 + p);
      a31.mul(scale).intoArray(scores, s3 + p + LANES);
      a32.mul(scale).intoArray(scores, s3 + p + 2 * LANES);
      a33.mul(scale).intoArray(scores, s3 + p + 3 * LANES);
    }
  }

  /**
   * {@link #TILE_VECTORS} vectors of head dims from {@code dims} (a byte offset in a value row) of
   * the block's weighted value sums: a tile of 4 queries x those vectors, positions in order a page
   * at a time, each result scaled by its query's 1 / softmax sum.
   */
  private void weighValues(KvCache kv, int layer, long dims, int maxCount, float[] scores, int s1, int s2, int s3,
      int[] out, int d, float[] inverse) {
    long vectorBytes = (long) LANES * Float.BYTES;
    long rowBytes = (long) kvWidth * Float.BYTES;
    FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
    FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
    FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
    FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
    for (int start = 0; start < maxCount; start += KvCache.PAGE_POSITIONS) {
      MemorySegment page = kv.page(start);
      long at = kv.valueOffset(layer, start) + dims;
      int positions = Math.min(maxCount - start, KvCache.PAGE_POSITIONS);
      for (int i = 0; i < positions; i++) {
        int t = start + i;
        long row = at + i * rowBytes;
        FloatVector v0 = FloatVector.fromMemorySegment(S, page, row, ByteOrder.nativeOrder());
        FloatVector v1 = FloatVector.fromMemorySegment(S, page, row + vectorBytes, ByteOrder.nativeOrder());
        FloatVector v2 = FloatVector.fromMemorySegment(S, page, row + 2 * vectorBytes, ByteOrder.nativeOrder());
        FloatVector v3 = FloatVector.fromMemorySegment(S, page, row + 3 * vectorBytes, ByteOrder.nativeOrder());
        FloatVector w = FloatVector.broadcast(S, scores[t]);
        a00 = v0.fma(w, a00);
        a01 = v1.fma(w, a01);
        a02 = v2.fma(w, a02);
        a03 = v3.fma(w, a03);
        w = FloatVector.broadcast(S, scores[s1 + t]);
        a10 = v0.fma(w, a10);
        a11 = v1.fma(w, a11);
        a12 = v2.fma(w, a12);
        a13 = v3.fma(w, a13);
        w = FloatVector.broadcast(S, scores[s2 + t]);
        a20 = v0.fma(w, a20);
        a21 = v1.fma(w, a21);
        a22 = v2.fma(w, a22);
        a23 = v3.fma(w, a23);
        w = FloatVector.broadcast(S, scores[s3 + t]);
        a30 = v0.fma(w, a30);
        a31 = v1.fma(w, a31);
        a32 = v2.fma(w, a32);
        a33 = v3.fma(w, a33);
      }
    }
    // All four stored unconditionally, written out: a block short of four queries repeats its last
    // one, whose result is the same bits to the same place; a conditional call taking vectors
    // would make C2 box them and run the FMAs above through the Vector API's fallback.
    int at0 = out[0] + d, at1 = out[1] + d, at2 = out[2] + d, at3 = out[3] + d;
    float w0 = inverse[0], w1 = inverse[1], w2 = inverse[2], w3 = inverse[3];
    a00.mul(w0).intoArray(attention, at0);
    a01.mul(w0).intoArray(attention, at0 + LANES);
    a02.mul(w0).intoArray(attention, at0 + 2 * LANES);
    a03.mul(w0).intoArray(attention, at0 + 3 * LANES);
    a10.mul(w1).intoArray(attention, at1);
    a11.mul(w1).intoArray(attention, at1 + LANES);
    a12.mul(w1).intoArray(attention, at1 + 2 * LANES);
    a13.mul(w1).intoArray(attention, at1 + 3 * LANES);
    a20.mul(w2).intoArray(attention, at2);
    a21.mul(w2).intoArray(attention, at2 + LANES);
    a22.mul(w2).intoArray(attention, at2 + 2 * LANES);
    a23.mul(w2).intoArray(attention, at2 + 3 * LANES);
    a30.mul(w3).intoArray(attention, at3);
    a31.mul(w3).intoArray(attention, at3 + LANES);
    a32.mul(w3).intoArray(attention, at3 + 2 * LANES);
    a33.mul(w3).intoArray(attention, at3 + 3 * LANES);
  }

  /**
   * Turns the scores {@code [from, from + count)} into e^(score - max) in place, zeroes them up to
   * {@code from + width} (positions past the query's row weigh nothing), and returns 1 / their sum.
   */
  private static float softmaxWeights(float[] scores, int from, int count, int width) {
    float max = Float.NEGATIVE_INFINITY;
    for (int t = 0; t < count; t++) {
      max = Math.max(max, scores[from + t]);
    }
    int bound = count - count % LANES;
    FloatVector sumVector = FloatVector.zero(S);
    for (int t = 0; t < bound; t += LANES) {
      FloatVector e = VectorMath.exp(FloatVector.fromArray(S, scores, from + t).sub(max));
      e.intoArray(scores, from + t);
      sumVector = sumVector.add(e);
    }
    float sum = LaneSums.sum(sumVector);
    for (int t = bound; t < count; t++) {
      scores[from + t] = VectorMath.exp(scores[from + t] - max);
      sum += scores[from + t];
    }
    java.util.Arrays.fill(scores, from + count, from + width, 0f);
    return 1f / sum;
  }

  private float[][] logits(List<SequenceRows> sequences, float[] x) {
    int wanted = (int) sequences.stream().filter(SequenceRows::wantsLogits).count();
    float[][] result = new float[wanted][];
    if (wanted == 0) {
      return result;
    }
    float[] last = new float[wanted * hidden];
    int end = 0;
    int w = 0;
    for (SequenceRows s : sequences) {
      end += s.rows();
      if (s.wantsLogits()) {
        VectorMath.rmsNorm(x, (end - 1) * hidden, weights.finalNorm(), eps, last, w * hidden);
        w++;
      }
    }
    WeightMatrix head = weights.outputHead();
    float[] logits = new float[wanted * vocab];
    MatMul.multiply(loop, scratch, last, wanted, head, logits, vocab, 0);
    for (int i = 0; i < wanted; i++) {
      result[i] = java.util.Arrays.copyOfRange(logits, i * vocab, (i + 1) * vocab);
    }
    return result;
  }

  private void normRows(float[] x, float[] weight, int total) {
    forRows(total, r -> VectorMath.rmsNorm(x, r * hidden, weight, eps, normed, r * hidden));
  }

  private interface RowStep {
    void run(int row);
  }

  private void forRows(int total, RowStep step) {
    int tasks = (total + ROWS_PER_TASK - 1) / ROWS_PER_TASK;
    loop.run(tasks, (task, worker) -> {
      int end = Math.min(total, (task + 1) * ROWS_PER_TASK);
      for (int r = task * ROWS_PER_TASK; r < end; r++) {
        step.run(r);
      }
    });
  }

  private void ensureScratch(int rows) {
    if (normed.length >= rows * hidden) {
      return;
    }
    normed = new float[rows * hidden];
    qkv = new float[rows * qkvWidth];
    attention = new float[rows * qWidth];
    projected = new float[rows * hidden];
    gateUp = new float[rows * 2 * intermediate];
    activated = new float[rows * intermediate];
  }

  @Override
  public void close() {
    weights.close();
  }
}
