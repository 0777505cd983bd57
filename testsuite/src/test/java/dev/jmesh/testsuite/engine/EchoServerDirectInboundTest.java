package dev.jmesh.testsuite.engine;

/**
 * The blocking {@code java.net.ServerSocket} echo server on the direct inbound path ({@code
 * jdk-socket}): each accepted socket settles plaintext or mTLS on its first read, in the
 * application's own connection thread, and connection-level policy closes what it refuses.
 */
class EchoServerDirectInboundTest extends EchoServerEngineTest {

  @Override
  String directInbound() {
    return "jdk-socket";
  }
}
