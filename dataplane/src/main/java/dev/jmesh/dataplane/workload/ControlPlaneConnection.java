package dev.jmesh.dataplane.workload;

import dev.jmesh.ca.api.BearerTokenCredentials;
import dev.jmesh.ca.api.PinnedRootTrustManager;
import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.identity.ControlPlaneCa;
import dev.jmesh.dataplane.identity.SpiffeId;
import dev.jmesh.dataplane.identity.TrustBundle;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import io.grpc.netty.GrpcSslContexts;
import dev.jmesh.dataplane.identity.MeshTls;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import javax.net.ssl.SSLException;
import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.cluster.UpstreamClusters;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.identity.Svid;
import dev.jmesh.dataplane.settings.MeshSettings;
import dev.jmesh.dataplane.stats.PrometheusText;
import dev.jmesh.dataplane.trace.SpanExporter;
import dev.jmesh.dataplane.xds.MeshSnapshotFeed;
import dev.jmesh.dataplane.xds.NodeInfo;
import dev.jmesh.dataplane.xds.XdsChannel;
import dev.jmesh.dataplane.xds.XdsClient;
import dev.jmesh.dataplane.xds.XdsResourceType;
import dev.jmesh.dataplane.xds.XdsTypeStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A workload's (an agent's or a proxy's) connection to the control plane named by {@code
 * controlPlane}. With a join token (the normal case) it is TLS to port 15012, the server verified
 * against the root the token pins:
 * the workload gets its certificate there ({@link WorkloadIdentity}) and its ADS stream rides the
 * same connection, authenticated by the token. Without one it is a plaintext ADS stream to 15010,
 * for local experiments, and the workload has no identity. The node announces service, namespace
 * (the token's, when there is one), labels and locality; every push is compiled into the data
 * path's snapshot. In an agent the connection's sockets are the agent's own: its threads are
 * marked, so the hooks never see them.
 */
public final class ControlPlaneConnection implements AutoCloseable {

  private static final String READY = "MESH_READY";

  /** Istio's default certificate lifetime. */
  private static final long CERTIFICATE_TTL_SECONDS = 24 * 3600;

  private final String target;
  private final MeshSettings settings;
  private final XdsChannel channel;
  private final XdsClient client;
  private final WorkloadIdentity identity;
  /** The clusters' runtime (hosts, balancers, outlier detection), kept in step with each push. */
  private final UpstreamClusters clusters = new UpstreamClusters();
  private final MeshSnapshotFeed feed = new MeshSnapshotFeed(clusters::update);
  private final NodeInfo node;
  /** The ports the application serves, in the order bound; guarded by this. */
  private final java.util.Set<Integer> servedPorts = new java.util.LinkedHashSet<>();

  private ControlPlaneConnection(String target, MeshSettings settings, String nodeId, String ip,
      WorkloadCredentials credentials) throws SSLException {
    this.target = target;
    this.settings = settings;
    int colon = target.lastIndexOf(':');
    String host = target.substring(0, colon);
    int port = Integer.parseInt(target.substring(colon + 1));
    String namespace = credentials == null ? settings.namespace() : credentials.namespace();
    String serviceAccount =
        credentials == null ? settings.serviceAccount() : credentials.serviceAccount();
    String[] locality = (settings.locality() + "//").split("/", -1);
    // Not ready, and no ports, until the application's server is bound (serverBound).
    NodeInfo node = new NodeInfo(nodeId, settings.service() + "." + namespace,
        locality[0], locality[1], locality[2], settings.service(), namespace,
        settings.labels(), Map.of("INSTANCE_IPS", ip, "SERVICE_ACCOUNT", serviceAccount,
            READY, "false"));
    this.node = node;
    XdsClient.Builder xds;
    if (credentials == null) {
      this.identity = null;
      this.channel = XdsChannel.plaintext(host, port, MeshThreads.factory("xds-net"));
      xds = XdsClient.newBuilder(channel.channel(), node, feed, MeshThreads.factory("xds"));
    } else {
      SpiffeId id = SpiffeId.workload(settings.trustDomain(), namespace, serviceAccount);
      XdsChannel[] ca = new XdsChannel[1];
      this.identity = new WorkloadIdentity(id,
          (csr, ttl) -> {
            List<java.security.cert.X509Certificate> chain = new ControlPlaneCa(ca[0].channel(),
                credentials.token(), credentials.expiresAt(), settings.trustDomain(),
                this::trustBundle).sign(csr, ttl);
            caAnswered();
            return chain;
          },
          CERTIFICATE_TTL_SECONDS);
      SslContext tls = GrpcSslContexts.configure(SslContextBuilder.forClient(),
              MeshTls.effective(settings.tlsProvider()) == MeshTls.Provider.BORINGSSL
                  ? SslProvider.OPENSSL : SslProvider.JDK)
          .trustManager(new PinnedRootTrustManager(credentials.rootFingerprints()))
          // Presented once the workload has its SVID: renewals then need no token.
          .keyManager(identity.keyManager())
          .build();
      this.channel = XdsChannel.tls(host, port, tls, MeshThreads.factory("xds-net"));
      ca[0] = channel;
      WorkloadIdentity workload = identity;
      xds = XdsClient.newBuilder(channel.channel(), node, feed, MeshThreads.factory("xds"))
          .credentials(new BearerTokenCredentials(credentials.token()))
          // A renewal that failed while the control plane was away is retried the moment it
          // is back, not at the next backoff timer.
          .onConnected(workload::renewIfFailing);
    }
    this.client = xds.build();
    // Spans name this node, and reach a tracing provider through this workload's clusters.
    SpanExporter.workload(nodeId, clusters);
  }

  /** The control plane answers again: an xDS stream waiting out its backoff need not wait. */
  private void caAnswered() {
    client.reconnectIfWaiting();
  }

  private void trustBundle(TrustBundle bundle) {
    identity.updateTrustBundle(bundle);
  }

  /** Opens the connection; it reconnects by itself, keeping the last good config meanwhile. */
  public static ControlPlaneConnection start(MeshSettings settings, String nodeId, String ip)
      throws IOException {
    WorkloadCredentials credentials = WorkloadCredentials.load(settings);
    ControlPlaneConnection connection =
        new ControlPlaneConnection(settings.controlPlane(), settings, nodeId, ip, credentials);
    if (connection.identity != null) {
      connection.identity.start();
    }
    connection.client.start();
    MeshLog.info("xDS to the control plane at " + settings.controlPlane()
        + (credentials == null ? " (plaintext, no identity)"
            : " (TLS, root pinned by the join token, identity " + connection.identity.id() + ")"));
    return connection;
  }

  /**
   * The application bound a server port: the node now announces it (as {@code http-PORT}, the
   * protocol Istio infers from that name) and that the workload is ready, which registers it as
   * an endpoint of its service.
   */
  public synchronized void serverBound(int port) {
    if (!servedPorts.add(port)) {
      return;
    }
    StringBuilder ports = new StringBuilder();
    for (int p : servedPorts) {
      ports.append(ports.length() == 0 ? "" : ",").append(settings.engine().portName(p))
          .append(':').append(p);
    }
    Map<String, String> metadata = new java.util.HashMap<>(node.extraMetadata());
    metadata.remove(READY);
    metadata.put("MESH_PORTS", ports.toString());
    client.updateNode(new NodeInfo(node.id(), node.cluster(), node.region(), node.zone(),
        node.subZone(), node.service(), node.namespace(), node.labels(), metadata));
  }

  /** The workload's identity, {@code null} on a plaintext connection. */
  public WorkloadIdentity identity() {
    return identity;
  }

  /** The compiled config as the control plane last sent it. */
  public MeshSnapshotFeed feed() {
    return feed;
  }

  /** The live upstream clusters of that config. */
  public UpstreamClusters upstreamClusters() {
    return clusters;
  }


  /**
   * For {@code /stats/prometheus}: whether the xDS stream is up and, with an identity, when its
   * certificate expires (as a timestamp and, under Istio's agent name, as seconds left) and how
   * many attempts to get one failed. An alert on the expiry fires while the last good
   * certificate is still in force, whether or not the control plane is back.
   */
  public void writeMetrics(PrometheusText text) {
    text.header(
            "jmesh_xds_connected",
            "gauge",
            "1 while the xDS stream to the control plane is up; 0 while the last good config"
                + " serves and the stream reconnects.")
        .sample("jmesh_xds_connected", client.isConnected() ? 1 : 0);
    if (identity == null) {
      return;
    }
    Svid svid = identity.current();
    if (svid != null) {
      long notAfter = svid.notAfterMillis() / 1000;
      text.header(
              "jmesh_certificate_expiry_timestamp_seconds",
              "gauge",
              "When the workload certificate in force expires, in Unix seconds.")
          .sample("jmesh_certificate_expiry_timestamp_seconds", notAfter);
      text.header(
              "istio_agent_cert_expiry_seconds",
              "gauge",
              "Seconds until the workload certificate in force expires; negative once expired.")
          .sample("istio_agent_cert_expiry_seconds", notAfter - System.currentTimeMillis() / 1000);
    }
    text.header(
            "jmesh_certificate_renewal_failures_total",
            "counter",
            "Failed attempts to get or renew the workload certificate.")
        .sample("jmesh_certificate_renewal_failures_total", identity.failures());
  }

  /** For {@code /config_dump}: the stream and, per resource type, what was accepted. */
  public Map<String, Object> describe() {
    Map<String, Object> xds = new LinkedHashMap<>();
    xds.put("controlPlane", target);
    xds.put("connected", client.isConnected());
    xds.put("configReady", feed.isReady());
    Map<String, Object> types = new LinkedHashMap<>();
    for (Map.Entry<XdsResourceType, XdsTypeStatus> e : client.status().entrySet()) {
      XdsTypeStatus status = e.getValue();
      Map<String, Object> type = new LinkedHashMap<>();
      type.put("version", status.acceptedVersion());
      type.put("resources", status.resources());
      type.put("lastRejection", status.lastRejection());
      types.put(e.getKey().toString(), type);
    }
    xds.put("resources", types);
    xds.put("clusters", clusters());
    return xds;
  }

  /** Each cluster's hosts and their state, as Envoy's {@code /clusters} shows them. */
  private Map<String, Object> clusters() {
    Map<String, Object> out = new TreeMap<>();
    for (UpstreamCluster c : clusters.clusters()) {
      List<Object> hosts = new ArrayList<>();
      for (Host h : c.hosts()) {
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("address", h.hostKey());
        host.put("healthy", h.healthy());
        host.put("ejected", h.ejected());
        host.put("activeRequests", h.activeRequests());
        hosts.add(host);
      }
      Map<String, Object> cluster = new LinkedHashMap<>();
      cluster.put("lbPolicy", c.config().lbPolicy().toString());
      cluster.put("hosts", hosts);
      out.put(c.name(), cluster);
    }
    return out;
  }

  @Override
  public void close() {
    client.close();
    channel.close();
    clusters.close();
    if (identity != null) {
      identity.close();
    }
  }
}
