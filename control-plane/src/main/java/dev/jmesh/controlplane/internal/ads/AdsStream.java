package dev.jmesh.controlplane.internal.ads;

import dev.jmesh.controlplane.internal.xds.ProxyNode;
import java.time.Instant;
import java.util.List;

/** One proxy's ADS stream, state of the world or delta. */
interface AdsStream {
  long id();

  /** Null until the first request. */
  ProxyNode node();

  Instant connectedAt();

  /** Sends what changed under config version {@code version}. */
  void push(long version);

  /** Called when the transport can take more after having been full. */
  void onReady();

  void close();

  /** Per type: what was sent, ACKed and NACKed, for {@code /debug/syncz}. */
  List<AdsServer.TypeStatus> typeStatus();
}
