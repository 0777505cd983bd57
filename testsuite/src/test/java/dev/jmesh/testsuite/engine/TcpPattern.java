package dev.jmesh.testsuite.engine;

/** What the client app's {@code tcp} command sends: see test-apps/mesh-client-app. */
final class TcpPattern {

  /** A run of bytes the command's payload contains, to look for on the wire. */
  static final String MARKER = "jmesh-tcp-payload";

  private TcpPattern() {}
}
