package dev.varco.gateway.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.grpc.Status;
import org.junit.jupiter.api.Test;

/**
 * llm-service names the field at fault at the start of its message (an image vision-service
 * refused, a sampling value) and tells a context overflow by OUT_OF_RANGE: the client gets
 * OpenAI's {@code param} and {@code code}.
 */
class UpstreamFailureTest {
  private static UpstreamFailure of(Status.Code code, String description) {
    return UpstreamFailure.from(Status.fromCode(code).withDescription(description).asRuntimeException());
  }

  @Test
  void anImageVisionServiceRefusedNamesItsContentPart() {
    UpstreamFailure failure = of(Status.Code.INVALID_ARGUMENT,
        "messages[2].content[1].image: the image could not be decoded: not a PNG or JPEG file");
    assertEquals(400, failure.httpStatus());
    assertEquals("invalid_request_error", failure.errorType());
    assertEquals("messages[2].content[1]", failure.param());
    assertNull(failure.code());
    assertEquals("messages[2].content[1]: the image could not be decoded: not a PNG or JPEG file", failure.message());
  }

  @Test
  void aContextOverflowIsContextLengthExceededNamingWhatToShorten() {
    UpstreamFailure completion = of(Status.Code.OUT_OF_RANGE,
        "sampling.max_tokens: prompt of 30 tokens + max_tokens 40000 = 40030 exceeds the context length of 32768");
    assertEquals(400, completion.httpStatus());
    assertEquals("context_length_exceeded", completion.code());
    assertEquals("max_tokens", completion.param());
    assertEquals(Status.Code.OUT_OF_RANGE, completion.grpcCode());

    UpstreamFailure prompt = of(Status.Code.OUT_OF_RANGE, "messages: the prompt is 40000 tokens; this model's context"
        + " length is 32768 tokens, which must hold the prompt and at least one generated token");
    assertEquals("context_length_exceeded", prompt.code());
    assertEquals("messages", prompt.param());
  }

  @Test
  void otherEdgesRenameTheParamAndUnnamedFailuresHaveNone() {
    UpstreamFailure failure = of(Status.Code.OUT_OF_RANGE, "sampling.max_tokens: too many");
    assertEquals("max_output_tokens", failure.withParam(p -> p.equals("max_tokens") ? "max_output_tokens" : p).param());
    UpstreamFailure plain = of(Status.Code.INVALID_ARGUMENT, "Something went wrong: no field here");
    assertNull(plain.param());
    assertEquals("Something went wrong: no field here", plain.message());
    assertNull(of(Status.Code.UNAVAILABLE, "messages: down").param(), "only refusals of the request name a field");
  }
}
