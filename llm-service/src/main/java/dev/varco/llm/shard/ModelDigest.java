package dev.varco.llm.shard;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * What every shard must agree on before the first pass: a SHA-256 of the decoder folder's
 * {@code config.json} and of each safetensors file's name, size and header (tensor names, dtypes,
 * shapes, offsets), plus the model directory's {@code manifest.json} when there is one (it holds
 * the SHA-256 of every file the converter wrote). Cheap (no weight bytes are hashed), yet a
 * different conversion, weight type or geometry gives a different digest.
 */
public final class ModelDigest {
  private ModelDigest() {}

  public static String of(Path llmDir) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      Path manifest = llmDir.toAbsolutePath().getParent().resolve("manifest.json");
      if (Files.isRegularFile(manifest)) {
        sha.update(Files.readAllBytes(manifest));
      }
      sha.update(Files.readAllBytes(llmDir.resolve("config.json")));
      List<Path> files;
      try (Stream<Path> list = Files.list(llmDir)) {
        files = list.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
      }
      if (files.isEmpty()) {
        throw new IllegalArgumentException(llmDir + " holds no .safetensors file");
      }
      for (Path file : files) {
        sha.update(file.getFileName().toString().getBytes(StandardCharsets.UTF_8));
        sha.update(header(file));
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + llmDir, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The file's size, then its header (8-byte little-endian length + JSON). */
  private static byte[] header(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file)) {
      ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(length, 0);
      long headerBytes = length.flip().getLong();
      if (headerBytes < 0 || headerBytes > 100_000_000 || headerBytes + 8 > channel.size()) {
        throw new IllegalArgumentException(file + " is not a safetensors file (header length " + headerBytes + ")");
      }
      ByteBuffer out = ByteBuffer.allocate(16 + (int) headerBytes).order(ByteOrder.LITTLE_ENDIAN);
      out.putLong(channel.size()).putLong(headerBytes);
      while (out.hasRemaining()) {
        if (channel.read(out, 8 + out.position() - 16) < 0) {
          throw new IllegalArgumentException(file + " ends inside its header");
        }
      }
      return out.array();
    }
  }
}
