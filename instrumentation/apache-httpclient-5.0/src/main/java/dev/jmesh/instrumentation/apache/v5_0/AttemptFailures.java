package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.bootstrap.MeshCall;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import org.apache.hc.client5.http.ConnectTimeoutException;

/** How an attempt that threw ended, in the data path's terms. */
final class AttemptFailures {

  private AttemptFailures() {}

  static int of(Throwable failure) {
    // Apache's connect timeout is a SocketTimeoutException too: test it first.
    if (failure instanceof ConnectTimeoutException
        || failure instanceof ConnectException
        || failure instanceof NoRouteToHostException
        || failure instanceof UnknownHostException) {
      return MeshCall.CONNECT_FAILURE;
    }
    if (failure instanceof SocketTimeoutException) {
      return MeshCall.TIMEOUT;
    }
    return MeshCall.RESET;
  }

  /** The status the application saw when the last attempt failed: 504 for a timeout, else 503. */
  static int finalStatus(int failure) {
    return failure == MeshCall.TIMEOUT ? 504 : 503;
  }
}
