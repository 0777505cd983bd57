package dev.jmesh.controlplane.internal.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.jmesh.controlplane.ControlPlane;
import dev.jmesh.controlplane.ca.IssuedCertificates;
import dev.jmesh.controlplane.config.Diagnostic;
import dev.jmesh.controlplane.internal.ads.AdsServer;
import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import dev.jmesh.controlplane.internal.registry.MeshService;
import dev.jmesh.controlplane.internal.registry.ServiceEndpoint;
import dev.jmesh.controlplane.internal.xds.ProxyNode;
import dev.jmesh.controlplane.internal.xds.ProxyResources;
import dev.jmesh.controlplane.internal.xds.TypeUrls;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Istio's debug HTTP API on 15014: {@code /ready}, {@code /metrics},
 * {@code /debug/syncz}, {@code /debug/config_dump?proxyID=}, {@code /debug/registryz},
 * {@code /debug/configz} (accepted config and its diagnostics). On the TLS port, syncz and
 * config_dump also show the certificate the CA last issued to each workload.
 */
public final class DebugHttpServer implements AutoCloseable {
  /** A connection must have sent its whole request within this, or it is closed. */
  static final java.time.Duration REQUEST_READ_TIMEOUT = java.time.Duration.ofSeconds(10);
  private static final String MAX_REQUEST_TIME = "sun.net.httpserver.maxReqTime";

  private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
      .usingTypeRegistry(JsonFormat.TypeRegistry.newBuilder()
          .add(io.envoyproxy.envoy.config.listener.v3.Listener.getDescriptor())
          .add(io.envoyproxy.envoy.config.route.v3.RouteConfiguration.getDescriptor())
          .add(io.envoyproxy.envoy.config.cluster.v3.Cluster.getDescriptor())
          .add(io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3
              .HttpConnectionManager.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
              .getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.router.v3.Router.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate
              .getDescriptor())
          .add(io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
              .getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.network.rbac.v3.RBAC.getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
              .getDescriptor())
          .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
              .getDescriptor())
          // Every other type the xDS builders pack into an Any: without them a cluster with a
          // transport socket match printed as "unprintable" in config_dump and `mesh config`.
          .add(io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
              .getDescriptor())
          .add(io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer
              .getDescriptor())
          .add(io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog
              .getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication
              .getDescriptor())
          .add(io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
              .getDescriptor())
          .build());

  private final HttpServer server;
  private final ExecutorService executor;
  private final ControlPlane controlPlane;

  private DebugHttpServer(HttpServer server, ExecutorService executor, ControlPlane cp) {
    this.server = server;
    this.executor = executor;
    this.controlPlane = cp;
  }

  public static DebugHttpServer start(InetSocketAddress address, ControlPlane cp)
      throws IOException {
    readTimeouts();
    HttpServer server = HttpServer.create(address, 0);
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "jmesh-debug-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    DebugHttpServer debug = new DebugHttpServer(server, executor, cp);
    server.createContext("/", debug::handle);
    server.start();
    return debug;
  }

  /**
   * The JDK's server never closes a connection that sends no request, or half of one: each would
   * hold a descriptor (and, once it sent a byte, one of the two handler threads) for good. Its
   * only knob is a system property read once per JVM, so it is set here unless the operator set it.
   */
  private static void readTimeouts() {
    if (System.getProperty(MAX_REQUEST_TIME) == null) {
      System.setProperty(MAX_REQUEST_TIME, Long.toString(REQUEST_READ_TIMEOUT.toSeconds()));
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      Map<String, String> query = query(ex.getRequestURI().getRawQuery());
      switch (ex.getRequestURI().getPath()) {
        case "/ready":
          if (controlPlane.isReady()) {
            send(ex, 200, "text/plain", "ready\n");
          } else {
            send(ex, 503, "text/plain", "not ready: configuration not loaded yet\n");
          }
          break;
        case "/metrics":
          send(ex, 200, "text/plain; version=0.0.4", metrics());
          break;
        case "/debug/syncz":
          send(ex, 200, "application/json", Json.write(syncz()));
          break;
        case "/debug/registryz":
          send(ex, 200, "application/json", Json.write(registryz()));
          break;
        case "/debug/configz":
          send(ex, 200, "application/json", Json.write(configz()));
          break;
        case "/debug/config_dump":
          configDump(ex, query);
          break;
        default:
          send(ex, 404, "text/plain", "unknown path; try /ready, /metrics, /debug/syncz,"
              + " /debug/config_dump?proxyID=ID, /debug/registryz, /debug/configz\n");
      }
    } catch (RuntimeException e) {
      send(ex, 500, "text/plain", "error: " + e + "\n");
    }
  }

  private void configDump(HttpExchange ex, Map<String, String> query) throws IOException {
    String proxyId = query.get("proxyID");
    if (proxyId == null || proxyId.isEmpty()) {
      send(ex, 400, "text/plain", "give ?proxyID=<node id>; connected proxies are listed on"
          + " /debug/syncz\n");
      return;
    }
    ProxyNode node = controlPlane.ads().connectedNode(proxyId);
    boolean connected = node != null;
    if (node == null) {
      node = new ProxyNode(proxyId, query.getOrDefault("namespace", "default"), Map.of());
    }
    ProxyResources resources = controlPlane.ads().resourcesFor(node);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("proxyID", proxyId);
    out.put("connected", connected);
    out.put("namespace", node.namespace());
    out.put("version", controlPlane.snapshot().version());
    out.put("listeners", printed(resources, TypeUrls.LISTENER));
    out.put("routes", printed(resources, TypeUrls.ROUTE));
    out.put("clusters", printed(resources, TypeUrls.CLUSTER));
    out.put("endpoints", printed(resources, TypeUrls.ENDPOINT));
    AdsServer.StreamCaller caller = controlPlane.ads().status().stream()
        .filter(p -> p.proxyId().equals(proxyId)).map(AdsServer.ProxyStatus::caller)
        .filter(c -> c != null).findFirst().orElse(null);
    out.put("secrets", CertificateView.secrets(controlPlane.certificateAuthority(),
        CertificateView.issuedTo(controlPlane.certificateAuthority(), caller),
        java.time.Instant.now()));
    send(ex, 200, "application/json", Json.write(out));
  }

  private static List<Object> printed(ProxyResources resources, String type) {
    List<Object> out = new ArrayList<>();
    for (Message m : resources.all(type).values()) {
      try {
        out.add(new Json.Raw(PRINTER.print(m)));
      } catch (InvalidProtocolBufferException e) {
        out.add("unprintable: " + e.getMessage());
      }
    }
    return out;
  }

  private List<Object> syncz() {
    List<Object> out = new ArrayList<>();
    for (AdsServer.ProxyStatus p : controlPlane.ads().status()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("proxyID", p.proxyId());
      row.put("namespace", p.namespace());
      row.put("stream", p.stream());
      row.put("connectedAt", p.connectedAt().toString());
      IssuedCertificates.Match issued =
          CertificateView.issuedTo(controlPlane.certificateAuthority(), p.caller());
      if (issued != null) {
        row.put("certificate", CertificateView.certificate(issued));
      }
      for (AdsServer.TypeStatus t : p.types()) {
        Map<String, Object> type = new LinkedHashMap<>();
        type.put("resources", t.resources());
        type.put("sent", t.sentVersion());
        type.put("nonce", t.sentNonce());
        type.put("acked", t.ackedVersion());
        type.put("status", t.nackDetail().isEmpty()
            ? (t.sentVersion().equals(t.ackedVersion()) ? "SYNCED" : "STALE") : "NACKED");
        if (!t.nackDetail().isEmpty()) {
          type.put("nacked", t.nackedVersion());
          type.put("error", t.nackDetail());
        }
        row.put(t.type(), type);
      }
      out.add(row);
    }
    return out;
  }

  private List<Object> registryz() {
    List<Object> out = new ArrayList<>();
    for (MeshService s : controlPlane.snapshot().registry().services()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("hostname", s.hostname());
      row.put("namespace", s.namespace());
      row.put("source", s.source());
      row.put("resolution", s.resolution().name());
      row.put("external", s.external());
      row.put("addresses", s.addresses());
      List<Object> ports = new ArrayList<>();
      s.ports().forEach(p -> ports.add(Map.of("port", p.number(), "name", p.name(),
          "protocol", p.protocol())));
      row.put("ports", ports);
      List<Object> endpoints = new ArrayList<>();
      for (ServiceEndpoint e : s.endpoints()) {
        Map<String, Object> ep = new LinkedHashMap<>();
        ep.put("address", e.address());
        ep.put("ports", e.ports());
        ep.put("labels", e.labels());
        ep.put("locality", e.locality());
        ep.put("weight", e.weight());
        ep.put("serviceAccount", e.serviceAccount());
        ep.put("ready", e.ready());
        ep.put("source", e.source());
        endpoints.add(ep);
      }
      row.put("endpoints", endpoints);
      out.add(row);
    }
    return out;
  }

  private Map<String, Object> configz() {
    MeshSnapshot snapshot = controlPlane.snapshot();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("version", snapshot.version());
    out.put("sources", controlPlane.sources().stream().map(s -> s.name()).toList());
    out.put("resources", snapshot.resources().stream()
        .map(r -> r.id().toString() + " (" + r.meta().location() + ")").toList());
    out.put("diagnostics", snapshot.diagnostics().stream().map(Diagnostic::format).toList());
    return out;
  }

  private String metrics() {
    var m = controlPlane.ads().metrics();
    MeshSnapshot snapshot = controlPlane.snapshot();
    long errors = snapshot.diagnostics().stream().filter(Diagnostic::isError).count();
    return "# TYPE pilot_xds_pushes counter\npilot_xds_pushes " + m.pushes() + "\n"
        + "# TYPE jmesh_xds_acks_total counter\njmesh_xds_acks_total " + m.acks() + "\n"
        + "# TYPE pilot_total_xds_rejects counter\npilot_total_xds_rejects " + m.nacks() + "\n"
        + "# TYPE pilot_xds gauge\npilot_xds " + controlPlane.ads().connections().size() + "\n"
        + "# TYPE jmesh_config_version gauge\njmesh_config_version " + snapshot.version() + "\n"
        + "# TYPE jmesh_config_errors gauge\njmesh_config_errors " + errors + "\n"
        + "# TYPE pilot_services gauge\npilot_services "
        + snapshot.registry().services().size() + "\n"
        + convergence(m)
        + (controlPlane.certificateAuthority() != null
            ? controlPlane.certificateAuthority().metrics() : "");
  }

  /** Time from a config version coming into force to each proxy's ACK of it. */
  private static String convergence(dev.jmesh.controlplane.internal.ads.AdsMetrics m) {
    StringBuilder sb = new StringBuilder(
        "# TYPE pilot_proxy_convergence_time histogram\n");
    long[] cumulative = m.convergenceCumulative();
    double[] bounds = dev.jmesh.controlplane.internal.ads.AdsMetrics.CONVERGENCE_BUCKETS;
    for (int i = 0; i < bounds.length; i++) {
      sb.append("pilot_proxy_convergence_time_bucket{le=\"").append(bounds[i]).append("\"} ")
          .append(cumulative[i]).append('\n');
    }
    sb.append("pilot_proxy_convergence_time_bucket{le=\"+Inf\"} ")
        .append(cumulative[bounds.length]).append('\n');
    sb.append("pilot_proxy_convergence_time_sum ").append(m.convergenceSeconds()).append('\n');
    sb.append("pilot_proxy_convergence_time_count ").append(m.convergenceCount()).append('\n');
    return sb.toString();
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v,
          StandardCharsets.UTF_8));
    }
    return out;
  }

  private static void send(HttpExchange ex, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(bytes);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
