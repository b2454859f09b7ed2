package dev.varco.vision.api;

import com.google.protobuf.ByteString;
import dev.varco.proto.vision.v1.EncodeRequest;
import dev.varco.proto.vision.v1.EncodeResponse;
import dev.varco.proto.vision.v1.VisionEncoderGrpc;
import java.util.Iterator;

/** One image through {@code Encode}, the whole reply read: its token count, or the call's StatusRuntimeException. */
final class EncodeCall {
  private EncodeCall() {}

  static int tokens(VisionEncoderGrpc.VisionEncoderBlockingStub vision, byte[] image, String requestId) {
    Iterator<EncodeResponse> stream =
        vision.encode(EncodeRequest.newBuilder().setImage(ByteString.copyFrom(image)).setRequestId(requestId).build());
    int tokens = stream.next().getHeader().getTokenCount();
    stream.forEachRemaining(part -> {});
    return tokens;
  }
}
