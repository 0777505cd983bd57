package dev.jmesh.testsuite.engine;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * How the server suite talks to the {@code echo} server (a meshed client's 100 kB echo, a plaintext
 * ping from an unmeshed process), for {@link AbstractEchoServerTest}.
 */
final class TcpEchoCalls {

  static final int BYTES = 100_000;

  static final String PORT_NAME = "tcp-echo";

  private TcpEchoCalls() {}

  static ClientDriver.Result call(ClientDriver client, String host, int port) {
    return client.run("tcp " + host + " " + port + " " + BYTES);
  }

  static boolean answered(ClientDriver.Result result) {
    return result.ok()
        && ("" + BYTES).equals(result.field("sent"))
        && ("" + BYTES).equals(result.field("received"));
  }

  static boolean plaintextAnswered(int port) {
    try (Socket s = AbstractMeshedServerTest.connect(port)) {
      s.getOutputStream().write("ping\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readNBytes(5), StandardCharsets.US_ASCII)
          .equals("ping\n");
    } catch (IOException e) {
      return false;
    }
  }
}
