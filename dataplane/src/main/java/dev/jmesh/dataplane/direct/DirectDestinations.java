package dev.jmesh.dataplane.direct;

import dev.jmesh.dataplane.capture.MeshCapture;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.config.OutboundListener;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Where the direct path's requests to a {@code host:port} go, remembered per config snapshot: the
 * outbound listener the capture names for it and that listener's config. Without it every request
 * asked the capture (the name normalised, {@code fqdn:port} built and hashed) and then looked the
 * listener up in the snapshot twice, though the answer only changes with the config.
 *
 * <p>Each answer set is immutable and belongs to one snapshot: a miss publishes a copy with one more
 * entry, a new snapshot starts an empty one, and a request never takes a lock. Only names are kept:
 * a literal address's answer can change without a new config (a virtual address gets its service
 * when the name is first resolved), so literals ask the capture every time, as before. At most
 * {@link #MAX_HOSTS} names per snapshot, so an application that calls many hosts outside the mesh
 * does not grow it without bound; past that, requests ask the capture.
 */
final class DirectDestinations {

  static final int MAX_HOSTS = 256;

  /** Not a mesh destination: the request goes untouched. */
  static final Destination PASSTHROUGH = new Destination(null, null, null, null, false);

  /**
   * Where requests to one {@code host:port} go.
   *
   * @param listener the outbound listener's name, {@code null} for a passthrough destination
   * @param config the listener's HTTP config, {@code null} when the engine must carry the request
   *     (blocked by {@code REGISTRY_ONLY}, or a TCP service)
   * @param endpointAddress when the host is a mesh endpoint's own IP, that address (where a route
   *     to {@code PassthroughCluster} sends the request); {@code null} for a name or a virtual
   *     address
   * @param authority {@code host:port} as the request addressed it: the authority routing matches
   *     a request that carries no {@code Host} of its own against (the JDK's client never does),
   *     made once here rather than per request
   * @param resolvedByName when the host names a service reached where the application's own lookup
   *     of the name points ({@code ServiceEntry} {@code resolution: NONE}): the request's original
   *     destination is that lookup's address
   */
  record Destination(
      String listener,
      OutboundListener config,
      String endpointAddress,
      String authority,
      boolean resolvedByName) {}

  /** One port of a host and its destination. */
  private record PortDestination(int port, Destination destination) {}

  /** The answers of one snapshot. */
  private record Known(MeshSnapshot snapshot, Map<String, PortDestination[]> hosts) {

    Destination find(String host, int port) {
      PortDestination[] ports = hosts.get(host);
      if (ports != null) {
        for (PortDestination p : ports) {
          if (p.port == port) {
            return p.destination;
          }
        }
      }
      return null;
    }

    Known with(String host, int port, Destination destination) {
      Map<String, PortDestination[]> copy = new HashMap<>(hosts);
      PortDestination[] ports = hosts.get(host);
      PortDestination[] grown =
          ports == null ? new PortDestination[1] : Arrays.copyOf(ports, ports.length + 1);
      grown[grown.length - 1] = new PortDestination(port, destination);
      copy.put(host, grown);
      return new Known(snapshot, Map.copyOf(copy));
    }
  }

  private final Supplier<MeshSnapshot> snapshot;
  private final MeshCapture capture;
  private volatile Known known;

  DirectDestinations(Supplier<MeshSnapshot> snapshot, MeshCapture capture) {
    this.snapshot = snapshot;
    this.capture = capture;
  }

  /** Where a request to {@code host:port} goes under the config in force. */
  Destination of(String host, int port) {
    MeshSnapshot current = snapshot.get();
    Known k = known;
    if (k != null && k.snapshot == current) {
      Destination d = k.find(host, port);
      if (d != null) {
        return d;
      }
    }
    // The capture may wait for the first config here, as a connect does.
    String listener = capture.outboundListener(host, port);
    MeshSnapshot used = snapshot.get();
    boolean literal = literal(host);
    Destination d =
        listener == null
            ? PASSTHROUGH
            : new Destination(
                listener,
                listener.equals(MeshCapture.BLACK_HOLE) || used == null
                    ? null
                    : used.listener(listener),
                literal ? capture.endpointAddress(host, port) : null,
                MeshRequestView.hostPort(host, port),
                !literal && capture.resolvedByName(host));
    if (literal || used == null || used != current) {
      // A literal's answer may change without a new config; and when a config landed meanwhile,
      // the capture may have answered from the one before.
      return d;
    }
    k = known;
    if (k == null || k.snapshot != used) {
      k = new Known(used, Map.of());
    }
    if (k.hosts.size() < MAX_HOSTS && k.find(host, port) == null) {
      // Two threads missing at once may publish over each other: the loser's entry is asked again.
      known = k.with(host, port, d);
    }
    return d;
  }

  /** How many names the answers of the config in force hold; for tests. */
  int rememberedHosts() {
    Known k = known;
    return k == null ? 0 : k.hosts.size();
  }

  /**
   * An IP literal, or anything that may be one: a name starting with a digit is treated as one too
   * (it is then only not remembered).
   */
  static boolean literal(String host) {
    if (host.isEmpty()) {
      return true;
    }
    char first = host.charAt(0);
    return (first >= '0' && first <= '9') || first == '[' || host.indexOf(':') >= 0;
  }
}
