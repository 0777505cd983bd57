package dev.jmesh.testsuite.engine;

/**
 * The echo server on the direct inbound path ({@code jdk-socket}): each accepted socket settles
 * plaintext or mTLS on its first read or write, on the application's own connection thread;
 * connection-level policy closes what it refuses, and the socket's streams count the TCP metrics.
 */
class EchoServerDirectInboundTest extends AbstractEchoServerTest {

  @Override
  String directInbound() {
    return "jdk-socket";
  }
}
