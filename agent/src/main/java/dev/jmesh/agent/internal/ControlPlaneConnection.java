package dev.jmesh.agent.internal;

import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.cluster.UpstreamClusters;
import dev.jmesh.dataplane.log.MeshLog;
import dev.jmesh.dataplane.settings.MeshSettings;
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
 * The agent's ADS stream to the control plane named by {@code controlPlane}: the node announces
 * service, namespace, labels and locality, and every push is compiled into the data path's
 * snapshot. Plaintext (the control plane's 15010) until the identity issue brings TLS on 15012
 * with the join token. The stream's sockets are the agent's own: its threads are marked, so the
 * hooks never see them.
 */
final class ControlPlaneConnection implements AutoCloseable {

  private final String target;
  private final XdsChannel channel;
  private final XdsClient client;
  /** The clusters' runtime (hosts, balancers, outlier detection), kept in step with each push. */
  private final UpstreamClusters clusters = new UpstreamClusters();
  private final MeshSnapshotFeed feed = new MeshSnapshotFeed(clusters::update);

  private ControlPlaneConnection(String target, MeshSettings settings, String nodeId, String ip) {
    this.target = target;
    int colon = target.lastIndexOf(':');
    String host = target.substring(0, colon);
    int port = Integer.parseInt(target.substring(colon + 1));
    String[] locality = (settings.locality() + "//").split("/", -1);
    NodeInfo node = new NodeInfo(nodeId, settings.service() + "." + settings.namespace(),
        locality[0], locality[1], locality[2], settings.service(), settings.namespace(),
        settings.labels(), Map.of("INSTANCE_IPS", ip, "SERVICE_ACCOUNT",
            settings.serviceAccount()));
    this.channel = XdsChannel.plaintext(host, port, MeshThreads.factory("xds-net"));
    this.client = XdsClient.newBuilder(channel.channel(), node, feed, MeshThreads.factory("xds"))
        .build();
  }

  /** Opens the stream; it reconnects by itself, keeping the last good config meanwhile. */
  static ControlPlaneConnection start(MeshSettings settings, String nodeId, String ip) {
    ControlPlaneConnection connection =
        new ControlPlaneConnection(settings.controlPlane(), settings, nodeId, ip);
    connection.client.start();
    MeshLog.info("xDS to the control plane at " + settings.controlPlane() + " (plaintext)");
    return connection;
  }

  /** For {@code /config_dump}: the stream and, per resource type, what was accepted. */
  Map<String, Object> describe() {
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
  }
}
