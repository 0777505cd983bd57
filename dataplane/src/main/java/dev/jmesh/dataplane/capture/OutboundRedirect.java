package dev.jmesh.dataplane.capture;

import java.io.IOException;
import java.net.InetSocketAddress;

/** The engine's outbound side, as connect capture uses it. */
public interface OutboundRedirect {

  /**
   * The loopback address where the engine takes connections for {@code destination}: an outbound
   * listener's name ({@code reviews.default.svc.cluster.local:9080}) or {@code BlackHoleCluster}.
   */
  InetSocketAddress listenerFor(String destination) throws IOException;
}
