package dev.jmesh.testsuite.direct;

/**
 * grpc-java 1.85 on grpc-netty: one {@code ManagedChannel} per target ({@code
 * forTarget("reviews:9080").usePlaintext()}), unary calls of one method (a blocking stub, or the
 * async API for {@code --async}), a client stream for a body that cannot be sent twice. The pods
 * speak gRPC ({@link GrpcBackend}, an HTTP status for a failing pod), the service port is named
 * {@code grpc}, and {@code ratings} is {@code mesh-servers-app grpc}.
 */
class GrpcNettyMeshedTest extends AbstractMeshedHttpClientTest {

  @Override
  String library() {
    return "grpc";
  }

  @Override
  boolean hasAsync() {
    return true;
  }

  /** The capability row of grpc on grpc-netty (docs/instrumentation.md): every feature direct. */
  @Override
  String expectedPath(Feature feature) {
    return DIRECT;
  }

  @Override
  String timeoutException() {
    return "io\\.grpc\\.StatusRuntimeException";
  }

  @Override
  Backend startBackend(String pod, String ip) throws Exception {
    return GrpcBackend.start(pod, ip);
  }

  @Override
  String portName() {
    return "grpc";
  }

  /**
   * 403: a gRPC client sees a local reply's gRPC status only, and PERMISSION_DENIED is one of the
   * few that map back to one HTTP status (the base 418 maps to UNKNOWN, which is 500 too).
   */
  @Override
  int probeStatus() {
    return 403;
  }

  @Override
  String ratingsKind() {
    return "grpc";
  }

  /** Envoy answers a gRPC client with trailers only: HTTP 200 and the mapped grpc-status. */
  @Override
  String localReplyCode(int status) {
    return "200";
  }

  @Override
  String requestProtocol() {
    return "grpc";
  }
}
