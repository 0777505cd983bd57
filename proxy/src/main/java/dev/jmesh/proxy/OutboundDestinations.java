package dev.jmesh.proxy;

import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.capture.InboundTakeover;
import dev.jmesh.dataplane.capture.MeshCapture;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.config.OutboundListener;
import dev.jmesh.dataplane.config.TcpProxyListener;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.workload.ControlPlaneConnection;
import dev.jmesh.dataplane.workload.MeshEngine;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Where a connection the proxy accepted for {@code host:port} goes, decided exactly as the agent's
 * capture decides for a {@code connect()}: a mesh service (in any of its name forms, by virtual
 * address or endpoint IP) goes to the engine's outbound listener for it, a destination the mesh
 * does not know goes straight there (passthrough), and {@code outboundTrafficPolicy: REGISTRY_ONLY}
 * blocks it. Decisions may wait for the first config and bind a listener, so they run on their own
 * thread, never on an event loop.
 */
final class OutboundDestinations implements AutoCloseable {

  /**
   * A decision: the address to dial, or {@code null} with why the destination is blocked; the
   * engine's outbound listener serving it ({@code null} for passthrough); the mesh endpoint's own
   * IP when the client addressed one ({@code null} otherwise: where a request the route passes
   * through goes); {@code http} when the mesh routes the destination per HTTP request (its
   * listener is HTTP, not TCP).
   */
  record Upstream(
      InetSocketAddress address,
      String listener,
      InetSocketAddress endpoint,
      boolean http,
      String blockedReason) {}

  private final MeshCapture capture;
  private final MeshEngine engine;
  private final ControlPlaneConnection controlPlane;
  private final ExecutorService decisions =
      Executors.newSingleThreadExecutor(MeshThreads.factory("proxy-destinations"));

  OutboundDestinations(
      MeshSettings settings, ControlPlaneConnection controlPlane, MeshEngine engine) {
    this.engine = engine;
    this.controlPlane = controlPlane;
    this.capture =
        new MeshCapture(
            settings,
            controlPlane.feed()::current,
            timeout -> MeshEngine.ready(controlPlane, timeout),
            settings.engine().firstConfigTimeout(),
            new NoTakeover(),
            engine.outbound()::listenerFor);
  }

  CompletableFuture<Upstream> resolve(String host, int port) {
    return CompletableFuture.supplyAsync(() -> decide(host, port), decisions);
  }

  private Upstream decide(String host, int port) {
    String listener = capture.outboundListener(host, port);
    if (listener == null) {
      return new Upstream(new InetSocketAddress(host, port), null, null, false, null);
    }
    if (listener.equals(MeshCapture.BLACK_HOLE)) {
      return new Upstream(
          null,
          null,
          null,
          false,
          host
              + ":"
              + port
              + " is not a service of the mesh and outboundTrafficPolicy is"
              + " REGISTRY_ONLY");
    }
    try {
      boolean http = controlPlane.feed().current().listener(listener) != null;
      String endpointAddress = capture.endpointAddress(host, port);
      InetSocketAddress endpoint =
          endpointAddress == null ? null : new InetSocketAddress(endpointAddress, port);
      if (capture.resolvedByName(host)) {
        // resolution: NONE: the original destination is where the name resolves (looked up here,
        // on the decisions' thread). A TCP listener has no listener per destination, and a name
        // that resolves to nothing has no destination: both go straight there, as unmeshed.
        InetSocketAddress looked = new InetSocketAddress(host, port);
        if (!http || looked.isUnresolved()) {
          return new Upstream(looked, null, null, false, null);
        }
        endpoint = looked;
      }
      return new Upstream(
          engine.outbound().listenerFor(listener, endpoint), listener, endpoint, http, null);
    } catch (IOException e) {
      return new Upstream(
          null, null, null, true, "the engine cannot serve " + listener + ": " + e.getMessage());
    }
  }

  /**
   * Every name the mesh answers for a service, by the virtual address this proxy's capture maps
   * back to that service: what the agent answers inside a JVM, for a hosts file. Names are the FQDN
   * and the short forms the capture resolves to the same address ({@code reviews} only in the
   * proxy's own namespace). The addresses are allocated in name order on first sight, then kept for
   * the life of the proxy. The first call may wait for the first config.
   */
  Map<InetAddress, List<String>> serviceNames() {
    MeshSnapshot snapshot = controlPlane.feed().current();
    TreeSet<String> hosts = new TreeSet<>();
    for (OutboundListener l : snapshot.listeners()) {
      hosts.add(hostOf(l.name()));
    }
    for (TcpProxyListener t : snapshot.tcpListeners()) {
      hosts.add(hostOf(t.name()));
    }
    Map<InetAddress, List<String>> names = new LinkedHashMap<>();
    for (String host : hosts) {
      InetAddress[] address = capture.resolve(host);
      if (address == null) {
        continue; // an IP literal, or not a service name (the passthrough listener)
      }
      List<String> forms = new ArrayList<>();
      forms.add(host);
      // Shortest last, as a hosts file lists a canonical name first, then its aliases.
      int dot = host.lastIndexOf('.');
      while (dot > 0) {
        String shorter = host.substring(0, dot);
        InetAddress[] same = capture.resolve(shorter);
        if (same != null && same[0].equals(address[0])) {
          forms.add(shorter);
        }
        dot = shorter.lastIndexOf('.');
      }
      names.put(address[0], List.copyOf(forms));
    }
    return names;
  }

  private static String hostOf(String listener) {
    int colon = listener.lastIndexOf(':');
    return colon < 0 ? listener : listener.substring(0, colon);
  }

  @Override
  public void close() {
    decisions.shutdownNow();
  }

  /** The proxy binds no application servers: capture's inbound side is never asked. */
  private static final class NoTakeover implements InboundTakeover {
    @Override
    public Closeable takeOver(InetSocketAddress declared, InetSocketAddress application)
        throws IOException {
      throw new IOException("the proxy takes over no application server");
    }

    @Override
    public boolean isEngineConnection(InetSocketAddress remote) {
      return false;
    }
  }
}
