package dev.jmesh.instrumentation.apache.v5_0;

import dev.jmesh.bootstrap.MeshHooks;
import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hc.client5.http.socket.PlainConnectionSocketFactory;
import org.apache.hc.core5.http.protocol.HttpContext;

/**
 * Plain sockets whose connect asks {@link MeshHooks#beforeConnect} first, as the agent's socket
 * hook does in {@code Socket.connect}: what the scripted bridge records is what the hook would have
 * sent to the engine.
 */
final class HookedSocketFactory extends PlainConnectionSocketFactory {

  private final AtomicInteger created = new AtomicInteger();

  /** How many sockets the client took from here (5.4+ makes its plain sockets elsewhere). */
  int created() {
    return created.get();
  }

  @Override
  public Socket createSocket(HttpContext context) {
    created.incrementAndGet();
    return new Socket() {
      @Override
      public void connect(SocketAddress endpoint, int timeout) throws IOException {
        super.connect(MeshHooks.beforeConnect(endpoint), timeout);
      }
    };
  }
}
