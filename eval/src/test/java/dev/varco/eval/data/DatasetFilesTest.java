package dev.varco.eval.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Published layouts (parquet and VLMEvalKit TSV) read into items, and bad files refused clearly. */
class DatasetFilesTest {
  private static final Path DIR = Path.of("target", "test-data", "dataset-files");

  private static List<Item> items(Benchmark benchmark, Path path) {
    RowSource source = DatasetFiles.open(path);
    ItemMapper mapper = new ItemMapper(benchmark, path.toString(), source.columns());
    List<Item> items = new ArrayList<>();
    source.forEach(row -> items.add(mapper.map(row)));
    return items;
  }

  @Test
  void readsEveryBenchmarkFromItsHuggingFaceParquet() {
    for (Benchmark benchmark : Benchmark.values()) {
      List<Map<String, Object>> rows = SyntheticSets.rows(benchmark, 5);
      Path file = SyntheticSets.parquet(DIR.resolve(benchmark.cliName + ".parquet"), benchmark, rows);
      assertEquals(5, DatasetFiles.open(file).rowCount(), benchmark.title);
      List<Item> items = items(benchmark, file);
      assertEquals(5, items.size());
      for (int k = 0; k < 5; k++) {
        Item item = items.get(k);
        @SuppressWarnings("unchecked")
        byte[] image = (byte[]) ((Map<String, Object>) rows.get(k).get("image")).get("bytes");
        assertArrayEquals(image, item.image(), benchmark.title + " image " + k);
        assertTrue(item.question().contains("(" + k + ")") || benchmark == Benchmark.K_MMSTAR, item.question());
        if (benchmark.multipleChoice()) {
          assertEquals(String.valueOf("ABCD".charAt(k % 4)), item.answer(), benchmark.title);
          assertEquals(List.of("A", "B", "C", "D"), List.copyOf(item.options().keySet()), benchmark.title + " " + item.options());
        } else {
          assertEquals("탁자 위에 빨간 사과가 놓여 있다.", item.caption());
          assertTrue(item.reference().startsWith("사진에는"));
        }
      }
    }
  }

  @Test
  void setSpecificFields() {
    Path mmbench = SyntheticSets.parquet(DIR.resolve("mmb.parquet"), Benchmark.K_MMBENCH, SyntheticSets.rows(Benchmark.K_MMBENCH, 3));
    List<Item> items = items(Benchmark.K_MMBENCH, mmbench);
    assertEquals("사진은 실내에서 찍었습니다.", items.get(0).hint());
    assertNull(items.get(1).hint());
    assertEquals("1", items.get(1).id());
    assertEquals("선택지 1-C", items.get(1).options().get("C"));

    Path seed = SyntheticSets.parquet(DIR.resolve("seed.parquet"), Benchmark.K_SEED, SyntheticSets.rows(Benchmark.K_SEED, 2));
    List<Item> seedItems = items(Benchmark.K_SEED, seed);
    assertEquals("q1", seedItems.get(1).id());
    assertEquals("Scene Understanding", seedItems.get(0).category(), "question_type_id 1 is SEED's first dimension");
    assertEquals("Instance Identity", seedItems.get(1).category());

    Path star = SyntheticSets.parquet(DIR.resolve("star.parquet"), Benchmark.K_MMSTAR, SyntheticSets.rows(Benchmark.K_MMSTAR, 2));
    Item starItem = items(Benchmark.K_MMSTAR, star).get(1);
    assertTrue(starItem.question().startsWith("이 그림에서"), "the <image> marker is dropped: " + starItem.question());
    assertEquals(Map.of("A", "1마리", "B", "2마리", "C", "3마리", "D", "4마리"), starItem.options(), "options read from the question");
  }

  @Test
  void readsAFolderOfShardsInNameOrder() {
    List<Map<String, Object>> rows = SyntheticSets.rows(Benchmark.K_SEED, 6);
    Path folder = DIR.resolve("k-seed-repo/data");
    SyntheticSets.parquet(folder.resolve("test-00001-of-00002.parquet"), Benchmark.K_SEED, rows.subList(3, 6));
    SyntheticSets.parquet(folder.resolve("test-00000-of-00002.parquet"), Benchmark.K_SEED, rows.subList(0, 3));
    List<Item> items = items(Benchmark.K_SEED, DIR.resolve("k-seed-repo"));
    assertEquals(List.of("q0", "q1", "q2", "q3", "q4", "q5"), items.stream().map(Item::id).toList());
  }

  @Test
  void readsVlmEvalKitTsvWithQuotingAndSharedImages() throws IOException {
    List<Map<String, Object>> rows = SyntheticSets.rows(Benchmark.K_MMBENCH, 3);
    rows.get(0).put("question", "두 줄 질문\n\"따옴표\"와\t탭");
    // A circular copy: index + 1,000,000, its image the index of the row holding the bytes.
    var copy = new java.util.LinkedHashMap<>(rows.get(1));
    copy.put("index", 1_000_001L);
    copy.put("image", "1");
    rows.add(copy);
    Path file = SyntheticSets.tsv(DIR.resolve("MMBench_DEV_KO.tsv"), rows);
    List<Item> items = items(Benchmark.K_MMBENCH, file);
    assertEquals(4, items.size());
    assertEquals("두 줄 질문\n\"따옴표\"와\t탭", items.get(0).question());
    assertNull(items.get(1).hint(), "pandas writes a missing hint as nan");
    assertEquals("1000001", items.get(3).id());
    assertArrayEquals(items.get(1).image(), items.get(3).image(), "the copy shares row 1's image");
  }

  @Test
  void truncatedParquetIsRefusedWithWhatToDo() throws IOException {
    Path whole = SyntheticSets.parquet(DIR.resolve("whole.parquet"), Benchmark.K_DTCBENCH, SyntheticSets.rows(Benchmark.K_DTCBENCH, 4));
    byte[] bytes = Files.readAllBytes(whole);
    Path cut = DIR.resolve("cut.parquet");
    Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
    DatasetException e = assertThrows(DatasetException.class, () -> DatasetFiles.open(cut));
    assertTrue(e.getMessage().contains("cut.parquet") && e.getMessage().contains("not a complete parquet file"), e.getMessage());
  }

  @Test
  void truncatedTsvIsRefusedNamingTheLine() throws IOException {
    List<Map<String, Object>> rows = SyntheticSets.rows(Benchmark.K_MMBENCH, 3);
    rows.get(2).put("question", "끝나지 않는\n질문");
    String text = Files.readString(SyntheticSets.tsv(DIR.resolve("full.tsv"), rows), StandardCharsets.UTF_8);
    Path insideQuote = DIR.resolve("cut-quote.tsv");
    Files.writeString(insideQuote, text.substring(0, text.indexOf("끝나지 않는") + 3));
    DatasetException quoted = assertThrows(DatasetException.class, () -> DatasetFiles.open(insideQuote));
    assertTrue(quoted.getMessage().contains("line 4") && quoted.getMessage().contains("truncated"), quoted.getMessage());

    Path midRow = DIR.resolve("cut-row.tsv");
    Files.writeString(midRow, text.substring(0, text.indexOf("선택지 1-B")));
    DatasetException row = assertThrows(DatasetException.class, () -> DatasetFiles.open(midRow));
    assertTrue(row.getMessage().contains("line 3 has 5 fields, the header 10"), row.getMessage());
  }

  @Test
  void anotherSetsFileIsRefusedListingItsColumns() {
    Path llava = SyntheticSets.parquet(DIR.resolve("llava.parquet"), Benchmark.K_LLAVA_W, SyntheticSets.rows(Benchmark.K_LLAVA_W, 1));
    RowSource source = DatasetFiles.open(llava);
    DatasetException e = assertThrows(DatasetException.class, () -> new ItemMapper(Benchmark.K_DTCBENCH, "llava.parquet", source.columns()));
    assertEquals("llava.parquet is not a K-DTCBench file: it lacks answer, A..D or choice_a..choice_d (its columns: "
        + "question_id, question, image, caption, gpt_answer, category)", e.getMessage());
  }

  @Test
  void otherFilesAreRefused() throws IOException {
    Path csv = DIR.resolve("K-MMBench.csv");
    Files.createDirectories(DIR);
    Files.writeString(csv, "index,question\n");
    assertTrue(assertThrows(DatasetException.class, () -> DatasetFiles.open(csv)).getMessage()
        .contains("expected a .parquet file, a .tsv file (VLMEvalKit) or a folder of parquet shards"));
    assertTrue(assertThrows(DatasetException.class, () -> DatasetFiles.open(DIR.resolve("missing.parquet"))).getMessage()
        .contains("no such file"));
    Path notUtf8 = DIR.resolve("binary.tsv");
    Files.write(notUtf8, new byte[] {'a', '\t', 'b', '\n', (byte) 0xff, (byte) 0xfe, '\n'});
    assertTrue(assertThrows(DatasetException.class, () -> DatasetFiles.open(notUtf8)).getMessage().contains("not UTF-8"));
  }
}
