package dev.varco.gateway.session;

import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Request;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * One Lua script of the Redis store (a resource under {@code redis/}, after the shared {@code
 * prelude.lua}). Redis runs a script as one atomic step: no other client's command runs in
 * between, which is what makes each store call whole or not at all with several gateways writing.
 * It is sent by its SHA-1 ({@code EVALSHA}) and in full only when Redis does not know it yet
 * ({@code NOSCRIPT}: first use, or after a restart emptied the script cache).
 */
final class RedisScript {
  private final String name;
  private final String text;
  private final String sha1;

  private RedisScript(String name, String text) {
    this.name = name;
    this.text = text;
    this.sha1 = sha1(text);
  }

  static RedisScript load(String name) {
    return new RedisScript(name, resource("prelude") + "\n" + resource(name));
  }

  String name() {
    return name;
  }

  /** The EVALSHA request, no keys (they are built from the prefix in ARGV[1]); add the arguments. */
  Request bySha() {
    return Request.cmd(Command.EVALSHA).arg(sha1).arg(0);
  }

  /** The same as {@link #bySha()} with the whole script. */
  Request byText() {
    return Request.cmd(Command.EVAL).arg(text).arg(0);
  }

  private static String resource(String name) {
    String path = "redis/" + name + ".lua";
    try (InputStream in = RedisScript.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + path, e);
    }
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-1", e);
    }
  }
}
