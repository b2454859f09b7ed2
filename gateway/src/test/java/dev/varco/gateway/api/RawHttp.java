package dev.varco.gateway.api;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Uploads over a plain socket, for what an HTTP client library hides: a declared or chunked body
 * the server refuses before it is all sent, and a client that walks away mid-upload or mid-stream.
 * The body is written on its own thread, so a refusal is read even while the upload still runs.
 */
final class RawHttp implements AutoCloseable {
  /** A status and the body (up to the first 64 KiB). */
  record Answer(int status, String headers, String body) {}

  private final Socket socket;
  private final InputStream in;

  private RawHttp(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(30_000);
    in = socket.getInputStream();
  }

  /** Sends the head now and {@code sendBytes} bytes of an {@code bodyBytes}-byte body in the background. */
  static RawHttp post(int port, String path, String authorization, long bodyBytes, long sendBytes, boolean chunked)
      throws IOException {
    RawHttp http = new RawHttp(port);
    String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
        + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + bodyBytes + "\r\n") + "\r\n";
    OutputStream out = http.socket.getOutputStream();
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.flush();
    Thread.ofVirtual().start(() -> {
      byte[] chunk = new byte[64 * 1024];
      Arrays.fill(chunk, (byte) ' ');
      try {
        for (long sent = 0; sent < sendBytes; sent += chunk.length) {
          int n = (int) Math.min(chunk.length, sendBytes - sent);
          if (chunked) {
            out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
          }
          out.write(chunk, 0, n);
          if (chunked) {
            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          }
        }
        out.flush();
      } catch (IOException refusedMidUpload) {
        // the server answered and closed before the whole body was sent: the answer is read below
      }
    });
    return http;
  }

  /** Sends a whole small request (head and body) and returns without reading. */
  static RawHttp send(int port, String path, String authorization, String json) throws IOException {
    RawHttp http = new RawHttp(port);
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Authorization: " + authorization + "\r\nContent-Length: " + body.length + "\r\n\r\n";
    OutputStream out = http.socket.getOutputStream();
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
    return http;
  }

  /** Reads until {@code marker} has arrived (e.g. the first SSE event); returns what was read. */
  String readUntil(String marker) throws IOException {
    ByteArrayOutputStream seen = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    while (!seen.toString(StandardCharsets.UTF_8).contains(marker)) {
      int n = in.read(buffer);
      if (n < 0) {
        throw new IOException("connection closed before '" + marker + "': " + seen.toString(StandardCharsets.UTF_8));
      }
      seen.write(buffer, 0, n);
    }
    return seen.toString(StandardCharsets.UTF_8);
  }

  /** Reads one answer with a Content-Length body. */
  Answer answer() throws IOException {
    String text = readUntil("\r\n\r\n");
    int split = text.indexOf("\r\n\r\n");
    String headers = text.substring(0, split);
    int status = Integer.parseInt(headers.substring(9, 12));
    int length = 0;
    for (String line : headers.split("\r\n")) {
      if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
        length = Integer.parseInt(line.substring(15).strip());
      }
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write(text.substring(split + 4).getBytes(StandardCharsets.UTF_8));
    byte[] buffer = new byte[4096];
    while (body.size() < Math.min(length, 65536)) {
      int n = in.read(buffer);
      if (n < 0) {
        break;
      }
      body.write(buffer, 0, n);
    }
    return new Answer(status, headers, body.toString(StandardCharsets.UTF_8));
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
