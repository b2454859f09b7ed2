package dev.varco.proto.auth;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Server side of {@link ServiceToken}: calls without the token, or with another one, end
 * UNAUTHENTICATED before they reach a service. The standard health service stays open (it says
 * only SERVING or not; probes and the gateway's replica checks use it).
 */
public final class ServiceTokenCheck implements ServerInterceptor {
  private static final String HEALTH_SERVICE = "grpc.health.v1.Health";
  private final ServiceToken token;

  public ServiceTokenCheck(ServiceToken token) {
    this.token = token;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (HEALTH_SERVICE.equals(call.getMethodDescriptor().getServiceName())) {
      return next.startCall(call, headers);
    }
    String presented = headers.get(ServiceToken.HEADER);
    if (!token.matches(presented)) {
      String why = presented == null
          ? "this service requires the service token (metadata " + ServiceToken.HEADER.name() + "); give the caller the same "
              + ServiceToken.CONFIG_KEY
          : "the service token (metadata " + ServiceToken.HEADER.name() + ") does not match this service's " + ServiceToken.CONFIG_KEY;
      call.close(Status.UNAUTHENTICATED.withDescription(why), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return next.startCall(call, headers);
  }
}
