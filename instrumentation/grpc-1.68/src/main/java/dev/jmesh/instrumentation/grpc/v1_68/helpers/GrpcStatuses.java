package dev.jmesh.instrumentation.grpc.v1_68.helpers;

import dev.jmesh.bootstrap.MeshCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.net.ConnectException;

/** How an attempt's gRPC status reads as the HTTP outcome the data path records and retries on. */
final class GrpcStatuses {

  /** grpc-java's description of a response that was not gRPC: {@code HTTP status code 503}. */
  private static final String HTTP_STATUS = "HTTP status code ";

  private GrpcStatuses() {}

  /**
   * The HTTP status the server answered: the one grpc-java names for a non-gRPC response, 200 for
   * any gRPC answer, 0 when no response arrived.
   */
  static int httpStatus(Status status, boolean serverAnswered) {
    String d = status.getDescription();
    if (d != null && d.startsWith(HTTP_STATUS)) {
      int end = HTTP_STATUS.length();
      while (end < d.length() && Character.isDigit(d.charAt(end))) {
        end++;
      }
      if (end > HTTP_STATUS.length()) {
        return Integer.parseInt(d.substring(HTTP_STATUS.length(), end));
      }
    }
    return serverAnswered ? 200 : 0;
  }

  /** A response came back: headers were seen, or the trailers carry more than grpc-java's own. */
  static boolean serverAnswered(boolean headersSeen, Metadata trailers) {
    return headersSeen || (trailers != null && !trailers.keys().isEmpty());
  }

  /** The {@link MeshCall} failure of an attempt with no response. */
  static int failure(Status status, boolean perTryDeadline) {
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED && perTryDeadline) {
      return MeshCall.TIMEOUT;
    }
    for (Throwable c = status.getCause(); c != null; c = c.getCause()) {
      if (c instanceof ConnectException) {
        return MeshCall.CONNECT_FAILURE;
      }
    }
    return MeshCall.RESET;
  }

  /** gRPC's (and Envoy's) mapping of a local reply's HTTP status to a gRPC status. */
  static Status.Code ofHttp(int http) {
    switch (http) {
      case 200:
        return Status.Code.OK;
      case 400:
        return Status.Code.INTERNAL;
      case 401:
        return Status.Code.UNAUTHENTICATED;
      case 403:
        return Status.Code.PERMISSION_DENIED;
      case 404:
        return Status.Code.UNIMPLEMENTED;
      case 429:
      case 502:
      case 503:
      case 504:
        return Status.Code.UNAVAILABLE;
      default:
        return Status.Code.UNKNOWN;
    }
  }
}
