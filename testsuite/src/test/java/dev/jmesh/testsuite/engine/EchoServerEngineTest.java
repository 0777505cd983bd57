package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The echo server behind the engine, which takes its port over. */
class EchoServerEngineTest extends AbstractEchoServerTest {

  @Test
  void registryOnlyBlocksWhatTheMeshDoesNotKnowAndKeepsItsServices() throws Exception {
    try (ServerSocket outside = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.2"))) {
      Thread echo = new Thread(() -> echoAll(outside), "outside-echo");
      echo.setDaemon(true);
      echo.start();
      String toOutside = "tcp 127.0.0.2 " + outside.getLocalPort() + " 1000";
      // ALLOW_ANY (the default): a destination outside the registry is reached as it is.
      assertThat(client.run(toOutside).field("received")).isEqualTo("1000");
      apply("mesh", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n");
      await().until(() -> !"1000".equals(client.run(toOutside).field("received")));
      assertThat(answered(call(service(), port))).as("mesh services still answer").isTrue();
    }
  }

  /** Echoes every connection until the server socket closes. */
  private static void echoAll(ServerSocket server) {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        Thread t =
            new Thread(
                () -> {
                  try (s) {
                    s.getInputStream().transferTo(s.getOutputStream());
                  } catch (IOException e) {
                    // the client went away
                  }
                });
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }
}
