package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.bootstrap.MeshHooks;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import javax.net.ssl.SSLContext;
import org.apache.hc.client5.http.nio.ManagedAsyncClientConnection;
import org.apache.hc.core5.reactor.ssl.SSLBufferMode;
import org.apache.hc.core5.util.Timeout;

/**
 * The mesh's mTLS under an asynchronous HTTP/1.1 connection that a direct attempt opened as
 * cleartext {@code http}: TLS starts on the new connection before any protocol handler writes, as
 * Apache's own {@code https} upgrade does at the same point. No ALPN is offered, so the connection
 * stays HTTP/1.1; the context's trust manager checks the server's SPIFFE ID (no host name).
 */
public final class AsyncConnectionTls {

  private static final Timeout HANDSHAKE_TIMEOUT = Timeout.ofSeconds(10);

  private AsyncConnectionTls() {}

  /** {@code DefaultManagedAsyncClientConnection} constructor exit (the class is not public). */
  public static void secure(Object created) throws IOException {
    if (!(created instanceof ManagedAsyncClientConnection) || !MeshHooks.isInstalled()) {
      return;
    }
    ManagedAsyncClientConnection connection = (ManagedAsyncClientConnection) created;
    SocketAddress remote = connection.getRemoteAddress();
    if (!(remote instanceof InetSocketAddress)
        || !DirectEndpoints.cleartext((InetSocketAddress) remote)
        || connection.getTlsDetails() != null) {
      return;
    }
    SSLContext tls = MeshHooks.tlsFor((InetSocketAddress) remote);
    if (tls != null) {
      connection.startTls(tls, null, SSLBufferMode.STATIC, null, null, HANDSHAKE_TIMEOUT);
    }
  }
}
