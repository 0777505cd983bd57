package dev.jmesh.bootstrap;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * An endpoint the data path picked for a direct request. A connect to one goes straight to it: the
 * socket hooks, which send any other connection to a mesh endpoint through the engine, let this
 * one through, because the direct path has already routed it. A library that copies the address
 * into a plain {@link InetSocketAddress} loses the mark and its connection goes through the engine
 * (still routed, one hop longer); instrumentations that own the connect mark it with {@link
 * MeshHooks#enterDirectConnect()} instead.
 */
public final class MeshEndpointAddress extends InetSocketAddress {

  private static final long serialVersionUID = 1L;

  /** The endpoint's IP literal (IPv6 without brackets). */
  private final String literal;

  public MeshEndpointAddress(InetAddress address, int port) {
    super(address, port);
    this.literal = address.getHostAddress();
  }

  /** The IP literal, for a URL or a pool key; IPv6 without brackets. */
  public String literal() {
    return literal;
  }

  /** {@link #literal()} as a URL's host: IPv6 in brackets. */
  public String urlHost() {
    return literal.indexOf(':') >= 0 ? "[" + literal + "]" : literal;
  }
}
