package dev.varco.system;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that goes away in the middle of a streamed answer cancels the generation upstream:
 * llm-service stops decoding (its running-request gauge returns to 0 long before the requested
 * 20000 tokens could have been generated) and serves the next request.
 */
@ExtendWith(RunningStack.class)
class ClientDisconnectSystemTest {
  @Test
  void closingTheConnectionMidStreamStopsTheLanguageModel() throws Exception {
    String body = ChatCompletionsSystemTest.textTurn("Write a very long story about the sea.", true, 8000);
    double finishedBefore = StackMetrics.llm("vllm:request_success_total");
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    try (Socket socket = new Socket("127.0.0.1", RunningStack.get().gatewayHttpPort)) {
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(bytes);
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      assertTrue(in.readLine().startsWith("HTTP/1.1 200"), "the stream started");
      int chunks = 0;
      String line;
      while (chunks < 3 && (line = in.readLine()) != null) {
        if (line.startsWith("data: {")) {
          chunks++;
        }
      }
      assertEquals(3, chunks, "tokens were streaming");
      assertEquals(1, StackMetrics.llm("vllm:num_requests_running"), "llm-service is decoding");
    } // the client goes away here
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (StackMetrics.llm("vllm:num_requests_running") > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(0, StackMetrics.llm("vllm:num_requests_running"), "llm-service stopped decoding after the disconnect");
    double generated = StackMetrics.llm("vllm:generation_tokens_total");
    Thread.sleep(300);
    assertEquals(generated, StackMetrics.llm("vllm:generation_tokens_total"), "and generates nothing more");
    // Cancelled, not finished: a request that ended by itself (end of turn or max_tokens) counts here.
    assertEquals(finishedBefore, StackMetrics.llm("vllm:request_success_total"), "the generation was cancelled, not completed");
    given().contentType("application/json").body(ChatCompletionsSystemTest.textTurn("still there?", false, 3))
        .when().post(RunningStack.get().gatewayUrl() + "/v1/chat/completions").then().statusCode(200);
  }
}
