package dev.jmesh.testsuite.engine;

/** What the client app's {@code tcp} command sends: see test-apps/mesh-client-app's Bodies. */
final class TcpPattern {

  /** A run of bytes the command's payload contains, to look for on the wire. */
  static final String MARKER = "0123456789abcdefghijklmnopqrstuvwxyz";

  private TcpPattern() {}
}
