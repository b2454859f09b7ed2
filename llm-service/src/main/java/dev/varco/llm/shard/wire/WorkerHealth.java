package dev.varco.llm.shard.wire;

import dev.varco.proto.shard.v1.DecoderShardGrpc;
import grpc.health.v1.HealthGrpc;
import grpc.health.v1.HealthOuterClass.HealthCheckRequest;
import grpc.health.v1.HealthOuterClass.HealthCheckResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;

/**
 * The standard gRPC health service of a worker, for probes (Kubernetes gRPC probes, grpc-health-probe):
 * a worker listens only once its slice is loaded, so it is SERVING for the server ("") and
 * {@code varco.shard.v1.DecoderShard} whenever it answers.
 */
final class WorkerHealth extends HealthGrpc.HealthImplBase {
  @Override
  public void check(HealthCheckRequest request, StreamObserver<HealthCheckResponse> reply) {
    String service = request.getService();
    if (!service.isEmpty() && !service.equals(DecoderShardGrpc.SERVICE_NAME)) {
      reply.onError(Status.NOT_FOUND.withDescription("unknown service '" + service + "'").asRuntimeException());
      return;
    }
    reply.onNext(HealthCheckResponse.newBuilder().setStatus(HealthCheckResponse.ServingStatus.SERVING).build());
    reply.onCompleted();
  }
}
