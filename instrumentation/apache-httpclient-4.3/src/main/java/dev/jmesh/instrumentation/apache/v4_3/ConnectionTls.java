package dev.jmesh.instrumentation.apache.v4_3;

import dev.jmesh.bootstrap.MeshHooks;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.http.HttpHost;
import org.apache.http.conn.ManagedHttpClientConnection;

/**
 * The mesh's mTLS under a connection the application opened as cleartext {@code http}: when the
 * socket the connection operator just connected reaches a mesh endpoint that the mesh secures, TLS
 * with the mesh's context is layered over it and the connection rebound to it, as Apache's own
 * {@code upgrade} does for a tunnel. The context's trust manager checks the server's SPIFFE ID, so
 * no host name is verified; SNI is the endpoint's IP literal (that is, none).
 */
public final class ConnectionTls {

  private ConnectionTls() {}

  /** Connection operator {@code connect} exit; throws rather than leave a secured peer plain. */
  public static void secure(ManagedHttpClientConnection connection, HttpHost host)
      throws IOException {
    if (connection == null
        || host == null
        || !"http".equalsIgnoreCase(host.getSchemeName())
        || !MeshHooks.isInstalled()) {
      return;
    }
    Socket socket = connection.getSocket();
    if (socket == null || socket instanceof SSLSocket || !socket.isConnected()) {
      return;
    }
    SocketAddress remote = socket.getRemoteSocketAddress();
    if (!(remote instanceof InetSocketAddress)) {
      return;
    }
    InetSocketAddress peer = (InetSocketAddress) remote;
    SSLContext tls = MeshHooks.tlsFor(peer);
    if (tls == null) {
      return;
    }
    SSLSocket secured =
        (SSLSocket)
            tls.getSocketFactory()
                .createSocket(socket, peer.getAddress().getHostAddress(), peer.getPort(), true);
    try {
      secured.setUseClientMode(true);
      secured.startHandshake();
      connection.bind(secured);
    } catch (IOException | RuntimeException e) {
      secured.close();
      throw e;
    }
  }
}
