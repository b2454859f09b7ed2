package dev.varco.llm.shard;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.varco.llm.kernels.WeightMatrix;
import dev.varco.llm.model.CheckpointVariants;
import dev.varco.llm.model.RandomQwen2Checkpoint;
import dev.varco.llm.transformer.DecoderWeights;
import dev.varco.model.checkpoint.Qwen2TextConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ranks' slices cover every head and MLP column exactly once, and a slice holds exactly the
 * values of its part of the matrix, in every weight type (rows: views; columns: copies).
 */
class ShardPlanTest {
  private static final RandomQwen2Checkpoint.Shape SHAPE = new RandomQwen2Checkpoint.Shape(896, 4864, 1, 14, 2, 256, 512);

  @Test
  void slicesCoverEveryHeadAndColumnOnce() throws Exception {
    Qwen2TextConfig config = config(models().get("F32"));
    for (int shards = 1; shards <= 2; shards++) {
      int kv = 0;
      int mlp = 0;
      for (int rank = 0; rank < shards; rank++) {
        ShardPlan plan = ShardPlan.of(config, shards, rank);
        assertEquals(kv, plan.kvHeadStart());
        assertEquals(0, plan.mlpStart() % ShardPlan.COLUMN_BLOCK);
        assertEquals(mlp, plan.mlpStart());
        kv = plan.kvHeadEnd();
        mlp = plan.mlpEnd();
        assertEquals(7 * plan.kvHeads(), plan.heads());
      }
      assertEquals(2, kv);
      assertEquals(4864, mlp);
    }
  }

  @Test
  void aSplitThatCannotBeMadeIsRefusedWithTheReason() throws Exception {
    Qwen2TextConfig config = config(models().get("F32"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ShardPlan.of(config, 3, 0));
    assertTrue(e.getMessage().contains("2 key/value heads") && e.getMessage().contains("3 shards"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ShardPlan.of(config, 2, 2));
    assertTrue(e.getMessage().contains("varco.llm.shard.rank"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"F32", "BF16", "Q8", "Q4"})
  void aSliceHoldsExactlyItsPartOfEveryMatrix(String type) throws Exception {
    Path dir = models().get(type);
    Qwen2TextConfig config = config(dir);
    try (DecoderWeights full = DecoderWeights.open(dir, config)) {
      DecoderWeights.Layer whole = full.layer(0);
      for (int rank = 0; rank < 2; rank++) {
        ShardPlan plan = ShardPlan.of(config, 2, rank);
        DecoderWeights.Layer part = plan.slice(full).layer(0);
        int qStart = plan.kvHeadStart() * plan.group() * plan.headDim();
        int qRows = plan.heads() * plan.headDim();
        int kvStart = plan.kvHeadStart() * plan.headDim();
        int kvRows = plan.kvHeads() * plan.headDim();
        assertRows(whole.q(), part.q(), qStart);
        assertRows(whole.k(), part.k(), kvStart);
        assertRows(whole.v(), part.v(), kvStart);
        assertRows(whole.gate(), part.gate(), plan.mlpStart());
        assertRows(whole.up(), part.up(), plan.mlpStart());
        assertColumns(whole.o(), part.o(), qStart, qRows);
        assertColumns(whole.down(), part.down(), plan.mlpStart(), plan.mlpColumns());
        assertArrayEquals(Arrays.copyOfRange(whole.qBias(), qStart, qStart + qRows), part.qBias());
        assertArrayEquals(Arrays.copyOfRange(whole.kBias(), kvStart, kvStart + kvRows), part.kBias());
      }
    }
  }

  private static void assertRows(WeightMatrix whole, WeightMatrix part, int from) {
    assertEquals(whole.cols(), part.cols());
    float[] want = new float[part.rows() * whole.cols()];
    float[] got = new float[want.length];
    whole.unpackRows(from, part.rows(), want);
    part.unpackRows(0, part.rows(), got);
    assertArrayEquals(want, got);
  }

  private static void assertColumns(WeightMatrix whole, WeightMatrix part, int from, int count) {
    assertEquals(whole.rows(), part.rows());
    assertEquals(count, part.cols());
    float[] wholeRow = new float[whole.cols()];
    float[] partRow = new float[count];
    for (int r = 0; r < whole.rows(); r++) {
      whole.unpackRows(r, 1, wholeRow);
      part.unpackRows(r, 1, partRow);
      assertArrayEquals(Arrays.copyOfRange(wholeRow, from, from + count), partRow, "row " + r);
    }
  }

  private static Map<String, Path> models() throws Exception {
    return CheckpointVariants.write(Path.of("target", "shard-plan-896"), SHAPE, 11);
  }

  private static Qwen2TextConfig config(Path dir) throws Exception {
    return Qwen2TextConfig.parse(new ObjectMapper().readTree(dir.resolve("config.json").toFile()));
  }
}
