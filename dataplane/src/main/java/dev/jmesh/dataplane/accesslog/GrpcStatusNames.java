package dev.jmesh.dataplane.accesslog;

/**
 * gRPC status codes by the names Envoy's {@code %GRPC_STATUS%} prints (its default, camel case).
 */
final class GrpcStatusNames {

  private static final String[] NAMES = {
    "OK",
    "Canceled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated"
  };

  private GrpcStatusNames() {}

  /** The name of {@code status}; {@code null} for none, the number for one past the known codes. */
  static String of(int status) {
    if (status < 0) {
      return null;
    }
    return status < NAMES.length ? NAMES[status] : Integer.toString(status);
  }
}
