package dev.varco.gateway.routing;

/** A replica's address, {@code host:port} ({@code [v6]:port} for IPv6 literals). */
public record HostPort(String host, int port) {

  /** Parses {@code value}; a malformed address is an IllegalArgumentException naming it. */
  public static HostPort parse(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      throw new IllegalArgumentException("'" + value + "' is not host:port");
    }
    String host = value.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + value + "' has no numeric port");
    }
    if (port < 1 || port > 65535 || host.isBlank()) {
      throw new IllegalArgumentException("'" + value + "' is not host:port with a port in 1..65535");
    }
    return new HostPort(host, port);
  }

  /** The address as {@code host:port}, brackets around an IPv6 literal. */
  public static String format(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
