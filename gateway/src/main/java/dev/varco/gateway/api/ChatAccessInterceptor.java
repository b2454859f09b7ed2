package dev.varco.gateway.api;

import dev.varco.gateway.access.AccessPolicy;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;

/**
 * {@link AccessPolicy} for the gRPC {@code Chat} service: the key comes as {@code authorization:
 * Bearer <key>} metadata. Refusals: UNAUTHENTICATED, PERMISSION_DENIED (non-loopback client of a
 * keyless gateway), RESOURCE_EXHAUSTED with a {@code retry-after} trailer (seconds). The permit
 * is released as the call's status is sent, or when it is cancelled. An admitted call carries its caller in
 * the gRPC context ({@link GrpcCaller}). Health checks are not intercepted.
 */
@ApplicationScoped
public class ChatAccessInterceptor implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> IDEMPOTENCY_KEY = Metadata.Key.of("idempotency-key", Metadata.ASCII_STRING_MARSHALLER);

  @Inject AccessPolicy policy;
  @Inject GatewayMetrics metrics;

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    var remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) instanceof InetSocketAddress socket
        ? socket.getAddress() : null;
    switch (policy.decide(headers.get(AUTHORIZATION), remote)) {
      case AccessPolicy.Refused refused -> {
        Metadata trailers = new Metadata();
        Status status = switch (refused.reason()) {
          case UNAUTHENTICATED -> Status.UNAUTHENTICATED;
          case LOOPBACK_ONLY -> Status.PERMISSION_DENIED;
          case RATE_LIMITED -> {
            trailers.put(RETRY_AFTER, Long.toString(refused.retryAfterSeconds()));
            yield Status.RESOURCE_EXHAUSTED;
          }
        };
        metrics.error("grpc", status.getCode().name(), refused.reason().name().toLowerCase());
        call.close(status.withDescription(refused.message()), trailers);
        return new ServerCall.Listener<>() {};
      }
      case AccessPolicy.Admitted admitted -> {
        Context withCaller = Context.current().withValues(GrpcCaller.KEY, admitted.caller(),
            GrpcCaller.IDEMPOTENCY_KEY, headers.get(IDEMPOTENCY_KEY));
        // The slot comes back as the status is sent, not when gRPC reports the call complete
        // (after the client may have read it and started its next call).
        ServerCall<Q, R> releasing = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
          @Override
          public void close(Status status, Metadata trailers) {
            admitted.permit().release();
            super.close(status, trailers);
          }
        };
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
            Contexts.interceptCall(withCaller, releasing, headers, next)) {
          @Override
          public void onComplete() {
            try {
              super.onComplete();
            } finally {
              admitted.permit().release();
            }
          }

          @Override
          public void onCancel() {
            try {
              super.onCancel();
            } finally {
              admitted.permit().release();
            }
          }
        };
      }
    }
  }
}
