package dev.jmesh.dataplane.engine.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.EngineLoops;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.stats.IstioMetrics;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Before any config arrives, whether STRICT covers a port is unknown: the engine refuses. */
class InboundWithoutConfigTest {

  @Test
  void aPortTakenOverBeforeTheFirstConfigRefusesConnectionsInsteadOfServingThemInTheClear()
      throws Exception {
    WorkloadIdentity identity = InboundFixture.serverIdentity();
    try (EngineLoops loops = new EngineLoops(1);
        ServerSocket app = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      EngineContext context =
          new EngineContext(
              null,
              () -> MeshSnapshot.EMPTY,
              null,
              () -> identity,
              new IstioMetrics(),
              InboundFixture.SELF,
              null,
              loops);
      InboundEngine engine = new InboundEngine(context, InboundLimits.DEFAULTS);
      InboundPort port =
          engine.takeOver(
              new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
              (InetSocketAddress) app.getLocalSocketAddress());
      try (Socket client = new Socket()) {
        client.connect(port.declared(), 2000);
        client.setSoTimeout(5000);
        client
            .getOutputStream()
            .write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = client.getInputStream();
        int first;
        try {
          first = in.read();
        } catch (SocketException reset) {
          first = -1;
        }
        assertThat(first).as("closed without an answer").isEqualTo(-1);
      } finally {
        engine.close();
      }
    }
  }
}
