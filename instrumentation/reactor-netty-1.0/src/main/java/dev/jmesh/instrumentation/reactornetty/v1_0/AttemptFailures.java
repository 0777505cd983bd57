package dev.jmesh.instrumentation.reactornetty.v1_0;

import dev.jmesh.bootstrap.MeshCall;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import javax.net.ssl.SSLException;

/** How an attempt that failed ended, in the data path's terms. */
final class AttemptFailures {

  private AttemptFailures() {}

  static int of(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ConnectException
          || t instanceof NoRouteToHostException
          || t instanceof UnknownHostException
          || t instanceof SSLException
          || t.getClass().getName().equals("io.netty.channel.ConnectTimeoutException")) {
        return MeshCall.CONNECT_FAILURE;
      }
      if (t instanceof SocketTimeoutException
          || t instanceof io.netty.handler.timeout.TimeoutException) {
        return MeshCall.TIMEOUT;
      }
    }
    return MeshCall.RESET;
  }

  /** The status the application saw when the last attempt failed: 504 for a timeout, else 503. */
  static int finalStatus(int failure) {
    return failure == MeshCall.TIMEOUT ? 504 : 503;
  }
}
