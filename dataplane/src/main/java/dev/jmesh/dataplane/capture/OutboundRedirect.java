package dev.jmesh.dataplane.capture;

import java.io.IOException;
import java.net.InetSocketAddress;

/** The engine's outbound side, as connect capture uses it. */
public interface OutboundRedirect {

  /**
   * The loopback address where the engine takes connections for {@code destination}: an outbound
   * listener's name ({@code reviews.default.svc.cluster.local:9080}) or {@code BlackHoleCluster}.
   * {@code endpoint}, when the application connected to a mesh endpoint's own IP, is that address:
   * the engine then knows where a request routed to {@code PassthroughCluster} goes ({@code null}
   * for a name or a service's virtual address).
   */
  InetSocketAddress listenerFor(String destination, InetSocketAddress endpoint) throws IOException;
}
