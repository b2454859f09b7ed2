package dev.varco.proto.auth;

import io.grpc.Metadata;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The shared secret the services present to each other on their internal gRPC calls (gateway ->
 * llm-service -> vision-service), as the metadata header {@code x-varco-service-token}. Part of the
 * internal contracts: a server configured with a token answers UNAUTHENTICATED to any call that
 * does not carry the same one. Config key {@code varco.service-token} in every service.
 */
public final class ServiceToken {
  public static final String CONFIG_KEY = "varco.service-token";
  public static final Metadata.Key<String> HEADER = Metadata.Key.of("x-varco-service-token", Metadata.ASCII_STRING_MARSHALLER);

  private final byte[] value;

  private ServiceToken(String configured) {
    // Surrounding whitespace is never part of the secret (a Secret file often ends with a newline).
    String value = configured.strip();
    if (value.isEmpty()) {
      throw new IllegalArgumentException(CONFIG_KEY + " is set but blank: give it a secret or leave it unset");
    }
    if (!value.chars().allMatch(c -> c > ' ' && c < 0x7f)) {
      throw new IllegalArgumentException(CONFIG_KEY + " must be printable ASCII without spaces (it travels as a gRPC header),"
          + " e.g. the output of openssl rand -hex 32");
    }
    this.value = value.getBytes(StandardCharsets.US_ASCII);
  }

  public static ServiceToken of(String value) {
    return new ServiceToken(value);
  }

  String value() {
    return new String(value, StandardCharsets.US_ASCII);
  }

  /**
   * What a service should warn about when it listens beyond loopback on any of {@code hosts} with
   * no token set (anyone who reaches the port can call it), or null when it does not.
   */
  public static String exposureWarning(String service, boolean tokenSet, String... hosts) {
    for (String host : hosts) {
      boolean loopback = host.startsWith("127.") || host.equals("localhost") || host.equals("::1") || host.equals("[::1]");
      if (!loopback && !tokenSet) {
        return service + " listens on " + host + " without " + CONFIG_KEY + ": anyone who reaches its ports can call it."
            + " Set the same " + CONFIG_KEY + " (VARCO_SERVICE_TOKEN) in every service, or bind it to loopback";
      }
    }
    return null;
  }

  /** Constant-time comparison, so the time to refuse a guess says nothing about the secret. */
  boolean matches(String presented) {
    return presented != null && MessageDigest.isEqual(value, presented.getBytes(StandardCharsets.UTF_8));
  }
}
