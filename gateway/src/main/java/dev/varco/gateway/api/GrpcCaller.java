package dev.varco.gateway.api;

import dev.varco.gateway.access.AccessPolicy;
import io.grpc.Context;

/**
 * Who is calling a gRPC method: the name {@link ChatAccessInterceptor} admitted the call under
 * (an API key's owner, or {@link AccessPolicy#LOCAL_CALLER}), carried in the call's gRPC {@link
 * Context} as {@link AccessFilter#caller} carries it for REST. Conversations belong to it.
 */
final class GrpcCaller {
  static final Context.Key<String> KEY = Context.key("varco.caller");
  /** The call's {@code idempotency-key} metadata, unchecked ({@link IdempotencyKey} checks it); null when absent. */
  static final Context.Key<String> IDEMPOTENCY_KEY = Context.key("varco.idempotency-key");

  private GrpcCaller() {}

  /** The caller of the current call; read it on the thread the method was invoked on. */
  static String current() {
    String caller = KEY.get();
    if (caller == null) {
      throw new IllegalStateException("no access check ran for this gRPC call");
    }
    return caller;
  }
}
