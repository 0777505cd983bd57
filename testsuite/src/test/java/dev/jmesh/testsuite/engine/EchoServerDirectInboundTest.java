package dev.jmesh.testsuite.engine;

/**
 * The blocking {@code java.net.ServerSocket} echo server on the direct inbound path ({@code
 * jdk-socket}): each accepted socket settles plaintext or mTLS on its first read or write, on the
 * application's own connection thread, and connection-level policy closes what it refuses. The
 * engine's TCP byte metrics ({@link EchoServerEngineTest}) have no direct-path counterpart yet:
 * the direct inbound contract reports connections, not their bytes.
 */
class EchoServerDirectInboundTest extends AbstractMeshedServerTest {

  @Override
  String kind() {
    return "echo";
  }

  @Override
  String directInbound() {
    return "jdk-socket";
  }

  @Override
  String portName() {
    return TcpEchoCalls.PORT_NAME;
  }

  @Override
  ClientDriver.Result call(String host, int port) {
    return TcpEchoCalls.call(client, host, port);
  }

  @Override
  boolean answered(ClientDriver.Result result) {
    return TcpEchoCalls.answered(result);
  }

  @Override
  boolean denied(ClientDriver.Result result) {
    return !answered(result);
  }

  @Override
  boolean plaintextAnswered(int port) {
    return TcpEchoCalls.plaintextAnswered(port);
  }

  @Override
  String plaintextMarker() {
    return TcpPattern.MARKER;
  }

  @Override
  String kindMarker() {
    return TcpPattern.MARKER;
  }
}
