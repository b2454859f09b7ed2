package dev.varco.proto.auth;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;

/** Client side of {@link ServiceToken}: puts the token on every call of the channel it intercepts. */
public final class ServiceTokenCredentials implements ClientInterceptor {
  private final ServiceToken token;

  public ServiceTokenCredentials(ServiceToken token) {
    this.token = token;
  }

  @Override
  public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
    return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
      @Override
      public void start(Listener<R> listener, Metadata headers) {
        headers.put(ServiceToken.HEADER, token.value());
        super.start(listener, headers);
      }
    };
  }
}
