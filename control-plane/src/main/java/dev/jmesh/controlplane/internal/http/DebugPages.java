package dev.jmesh.controlplane.internal.http;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
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
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The pages of Istio's debug HTTP API on 15014: {@code /ready}, {@code /metrics},
 * {@code /debug/syncz}, {@code /debug/config_dump?proxyID=}, {@code /debug/registryz},
 * {@code /debug/configz} (accepted config and its diagnostics). On the TLS port, syncz and
 * config_dump also show the certificate the CA last issued to each workload. Rendering may take a
 * while on a large mesh, so {@link DebugHttpServer} calls it off its event loop; only
 * {@link #ready} is cheap enough to answer there.
 */
final class DebugPages {
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

  private final ControlPlane controlPlane;
  private final Supplier<String> serverMetrics;

  /** {@code serverMetrics}: the HTTP server's own lines for {@code /metrics}. */
  DebugPages(ControlPlane controlPlane, Supplier<String> serverMetrics) {
    this.controlPlane = controlPlane;
    this.serverMetrics = serverMetrics;
  }

  /** {@code /ready}: a flag read, safe on an event loop. */
  DebugPage ready() {
    return controlPlane.isReady()
        ? DebugPage.text(200, "ready\n")
        : DebugPage.text(503, "not ready: configuration not loaded yet\n");
  }

  /** The page at {@code path} ({@code rawQuery} still percent-encoded, or null). */
  DebugPage render(String path, String rawQuery) {
    try {
      Map<String, String> query = query(rawQuery);
      switch (path) {
        case "/ready":
          return ready();
        case "/metrics":
          return new DebugPage(200, "text/plain; version=0.0.4", metrics());
        case "/debug/syncz":
          return DebugPage.json(syncz());
        case "/debug/registryz":
          return DebugPage.json(registryz());
        case "/debug/configz":
          return DebugPage.json(configz());
        case "/debug/config_dump":
          return configDump(query);
        default:
          return DebugPage.text(404, "unknown path; try /ready, /metrics, /debug/syncz,"
              + " /debug/config_dump?proxyID=ID, /debug/registryz, /debug/configz\n");
      }
    } catch (RuntimeException e) {
      return DebugPage.text(500, "error: " + e + "\n");
    }
  }

  private DebugPage configDump(Map<String, String> query) {
    String proxyId = query.get("proxyID");
    if (proxyId == null || proxyId.isEmpty()) {
      return DebugPage.text(400, "give ?proxyID=<node id>; connected proxies are listed on"
          + " /debug/syncz\n");
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
    return DebugPage.json(out);
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
            ? controlPlane.certificateAuthority().metrics() : "")
        + serverMetrics.get();
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
}
