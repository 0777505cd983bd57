package dev.jmesh.instrumentation.apache.v4_3;

import dev.jmesh.bootstrap.MeshHooks;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import org.apache.http.conn.socket.PlainConnectionSocketFactory;
import org.apache.http.protocol.HttpContext;

/**
 * Plain sockets whose connect asks {@link MeshHooks#beforeConnect} first, as the agent's socket
 * hook does in {@code Socket.connect}: what the scripted bridge records is what the hook would have
 * sent to the engine.
 */
final class HookedSocketFactory extends PlainConnectionSocketFactory {

  @Override
  public Socket createSocket(HttpContext context) {
    return new Socket() {
      @Override
      public void connect(SocketAddress endpoint, int timeout) throws IOException {
        super.connect(MeshHooks.beforeConnect(endpoint), timeout);
      }
    };
  }
}
