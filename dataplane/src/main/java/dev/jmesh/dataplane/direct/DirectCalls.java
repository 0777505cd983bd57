package dev.jmesh.dataplane.direct;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshEndpointAddress;
import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshRequest;
import dev.jmesh.bootstrap.MeshSpanFacts;
import dev.jmesh.dataplane.MeshTimer;
import dev.jmesh.dataplane.capture.MeshCapture;
import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.engine.EngineContext;
import dev.jmesh.dataplane.engine.PeerMetadata;
import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.outbound.OutboundRouter;
import dev.jmesh.dataplane.outbound.TrafficEdges;
import dev.jmesh.dataplane.record.RequestProtocol;
import dev.jmesh.dataplane.stats.RequestPaths;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import javax.net.ssl.SSLContext;

/**
 * The direct paths' side of the data path: decides each request an HTTP-client instrumentation
 * hands over ({@link #outbound}), with the same router, clusters, metrics and TLS rules as the
 * engine, so both behave alike; a request whose route needs what the library cannot do is left to
 * the engine. Counts every request by library and path.
 *
 * <pre>{@code
 * MeshCall call = direct.outbound("okhttp", MeshCall.CAN_TLS | MeshCall.CAN_RETRY, request);
 * }</pre>
 */
public final class DirectCalls {

  /** A request body up to this size is worth keeping for a retry, as the engine keeps it. */
  private static final int REPLAY_LIMIT = 64 * 1024;

  private static final int MAX_ENDPOINTS = 65_536;

  private final MeshCapture capture;
  private final DirectDestinations destinations;
  private final OutboundRouter router;
  private final RequestPaths paths;
  private final MeshTimer timer;
  private final String sourceIp;
  final DirectTls tls;
  final String peerMetadata;
  final String peerMetadataId;
  final boolean peerMetadataIdPrintable;
  final int replayLimit = REPLAY_LIMIT;
  private final ConcurrentHashMap<Host, MeshEndpointAddress> endpoints = new ConcurrentHashMap<>();

  public DirectCalls(EngineContext context, MeshCapture capture, RequestPaths paths) {
    this.capture = capture;
    this.destinations = new DirectDestinations(context.snapshot(), capture);
    this.router =
        new OutboundRouter(
            context.snapshot(),
            context.clusters(),
            context.metrics(),
            new TrafficEdges(context.self()));
    this.paths = paths;
    this.timer = context.timer();
    String address =
        context.settings() == null || context.settings().workloadAddress() == null
            ? "127.0.0.1"
            : context.settings().workloadAddress();
    this.sourceIp = address;
    this.tls =
        new DirectTls(
            context.identity(),
            context.settings() == null ? MeshTls.Provider.JDK : context.settings().tlsProvider());
    this.peerMetadata = PeerMetadata.encode(context.self());
    this.peerMetadataId = PeerMetadata.id(context.self(), address);
    this.peerMetadataIdPrintable = printableAscii(peerMetadataId);
  }

  /** Whether {@code value} is a header value as it stands: visible ASCII, spaces and tabs. */
  static boolean printableAscii(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c != '\t' && (c < 0x20 || c > 0x7e)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The call for {@code request}, or {@code null} to send it untouched: not a mesh destination
   * (counted {@code passthrough}), or one the engine must handle (counted {@code engine}).
   */
  public MeshCall outbound(String library, int capabilities, MeshRequest request) {
    if (capture.excludesOutbound(request.host(), request.port())) {
      // The settings leave it out of the mesh, as the socket capture leaves its connections.
      paths.count(library, RequestPaths.Path.PASSTHROUGH);
      return null;
    }
    DirectDestinations.Destination to = destinations.of(request.host(), request.port());
    if (to.listener() == null) {
      paths.count(library, RequestPaths.Path.PASSTHROUGH);
      return null;
    }
    if (to.config() == null) {
      // Blocked, or a TCP service: the engine closes or relays the connection.
      paths.count(library, RequestPaths.Path.ENGINE);
      return null;
    }
    String endpointAddress = to.endpointAddress();
    if (to.resolvedByName()) {
      endpointAddress = originalDestination(request.host());
      if (endpointAddress == null) {
        // The name resolves to nothing: the library's own lookup fails as it would unmeshed.
        paths.count(library, RequestPaths.Path.PASSTHROUGH);
        return null;
      }
    }
    DirectCall call = new DirectCall(this, capabilities);
    MeshRequestView view = new MeshRequestView(request, to.authority());
    long random = ThreadLocalRandom.current().nextLong();
    router.decide(to.config(), view, sourceIp, endpointAddress, request.port(), random, call.x);
    call.continueTrace(request, MeshHooks.inboundContext(), ThreadLocalRandom.current().nextLong());
    if (MeshSpanFacts.attached()) {
      // The application's thread, inside its tracer's client span for this call.
      call.x.record().spanKey(MeshSpanFacts.currentClientSpan());
    }
    String contentType = request.header("content-type");
    call.x
        .record()
        .protocol(
            contentType != null && contentType.startsWith("application/grpc")
                ? RequestProtocol.GRPC
                : RequestProtocol.HTTP);
    RequestPaths.Path path = call.settle(view);
    paths.count(library, path);
    if (path != RequestPaths.Path.DIRECT) {
      call.x.abandon();
      return null;
    }
    return call;
  }

  /**
   * Where the application's own lookup of {@code name} points, as the library would have connected
   * without the mesh: the JDK's resolver (and its cache, 30 s by default), on the calling thread,
   * as a blocking client resolves before it connects. {@code null} when the name does not resolve.
   */
  private static String originalDestination(String name) {
    try {
      return InetAddress.getByName(name).getHostAddress();
    } catch (UnknownHostException | SecurityException e) {
      return null;
    }
  }

  /** The TLS of a direct connection to {@code endpoint}, as its last decision chose it. */
  public SSLContext tlsFor(InetSocketAddress endpoint) throws java.net.ConnectException {
    return tls.forEndpoint(endpoint);
  }

  /** Runs {@code task} on the mesh's timer after {@code nanos}. */
  public Future<?> schedule(Runnable task, long nanos) {
    return timer.schedule(task, nanos);
  }

  /** The address of {@code host}, made once per host, marked so the socket hooks let it through. */
  MeshEndpointAddress endpoint(Host host) {
    MeshEndpointAddress a = endpoints.get(host);
    if (a != null) {
      return a;
    }
    if (endpoints.size() >= MAX_ENDPOINTS) {
      // Hosts come and go with every EDS update; forgetting them all now and then bounds the map.
      endpoints.clear();
    }
    try {
      // An IP literal (EDS addresses are): parsed, never looked up.
      a = new MeshEndpointAddress(InetAddress.getByName(host.address()), host.port());
    } catch (UnknownHostException e) {
      throw new IllegalStateException("endpoint " + host.hostKey() + " has no usable address", e);
    }
    endpoints.put(host, a);
    return a;
  }
}
