package dev.varco.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A streamed {@code POST /v1/responses} read event by event ({@code event:} / {@code data:}
 * pairs) while it arrives, so a test can act in the middle of a turn (kill a process after the
 * first delta). Every wait has a deadline: a stream that stalls fails the test instead of hanging
 * it. A background thread reads the lines; {@link #close()} drops the connection.
 */
final class ResponseEventStream implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One server-sent event: its {@code event:} name and its {@code data:} JSON. */
  record Event(String type, JsonNode data) {}

  /** What the reader thread queues after the last event: the stream ended (or broke). */
  private static final Event END = new Event("(end of stream)", null);

  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final HttpResponse<Stream<String>> response;
  private boolean ended;
  private String responseId;

  private ResponseEventStream(String gatewayUrl, String body) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create(gatewayUrl + "/v1/responses"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
        .timeout(Duration.ofMinutes(2)) // until the headers; the events have their own deadlines
        .build();
    response = http.send(request, HttpResponse.BodyHandlers.ofLines());
    Thread.ofVirtual().start(this::read);
  }

  /** Posts {@code body} (a Responses request with {@code "stream": true}) and returns once the headers arrived. */
  static ResponseEventStream post(String gatewayUrl, String body) throws IOException, InterruptedException {
    return new ResponseEventStream(gatewayUrl, body);
  }

  /**
   * Starts a long streamed turn of {@code conversation} (up to 4000 tokens: it runs for a good
   * while) and returns once its first text arrived, so the turn is running now; {@link
   * #responseId()} names it. Greedy, so the tiny model's answer (and its length) is the same on
   * every run: the turn cannot end early by chance.
   */
  static ResponseEventStream runningTurn(String gatewayUrl, String conversation)
      throws IOException, InterruptedException {
    ObjectNode turn = ResponsesHttp.turn(conversation, 4000, 0.0,
        ResponsesHttp.userMessage("Write a very long story about the sea.", null)).put("stream", true);
    ResponseEventStream stream = post(gatewayUrl, turn.toString());
    try {
      if (stream.status() != 200) {
        throw new AssertionError("the turn was refused with " + stream.status());
      }
      List<Event> seen = new ArrayList<>();
      stream.until("response.output_text.delta", Duration.ofSeconds(60), seen);
      stream.responseId = seen.getFirst().data().path("response").path("id").asText();
      if (!stream.responseId.startsWith("resp_")) {
        throw new AssertionError("no response id in " + seen.getFirst());
      }
      return stream;
    } catch (AssertionError | InterruptedException e) {
      stream.close();
      throw e;
    }
  }

  /** The id of a {@link #runningTurn}'s response. */
  String responseId() {
    return responseId;
  }

  int status() {
    return response.statusCode();
  }

  /** The next event, or null once the stream has ended; fails when none comes within {@code timeout}. */
  Event next(Duration timeout) throws InterruptedException {
    if (ended) {
      return null;
    }
    Event event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (event == null) {
      throw new AssertionError("no event and no end of stream within " + timeout);
    }
    if (event == END) {
      ended = true;
      return null;
    }
    return event;
  }

  /** Reads until an event of {@code type} and returns it, with every event read on the way in {@code seen}. */
  Event until(String type, Duration timeout, List<Event> seen) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Event event;
    while ((event = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) != null) {
      seen.add(event);
      if (event.type().equals(type)) {
        return event;
      }
    }
    throw new AssertionError("the stream ended without a " + type + " event: " + types(seen));
  }

  /** The remaining events, up to the end of the stream, which must come within {@code timeout}. */
  List<Event> rest(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Event> rest = new ArrayList<>();
    Event event;
    while ((event = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())))) != null) {
      rest.add(event);
    }
    return rest;
  }

  static List<String> types(List<Event> events) {
    return events.stream().map(Event::type).toList();
  }

  private void read() {
    String type = null;
    try (Stream<String> lines = response.body()) {
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.startsWith("event: ")) {
          type = line.substring("event: ".length());
        } else if (line.startsWith("data: ")) {
          events.add(new Event(type, JSON.readTree(line.substring("data: ".length()))));
          type = null;
        }
      }
    } catch (IOException | UncheckedIOException broken) {
      // The connection broke (the gateway was killed): for the test, that is the end of the stream.
    } finally {
      events.add(END);
    }
  }

  @Override
  public void close() {
    http.shutdownNow();
  }
}
