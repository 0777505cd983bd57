package dev.jmesh.controlplane.internal.ads;

import dev.jmesh.controlplane.internal.xds.ProxyNode;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Map;

/**
 * The node a proxy announced on one ADS stream, state of the world or delta. Istio proxies send
 * it once; jmesh agents send it again when it changes (for example when their server is bound
 * and they become ready), and each change is reported to the lifecycle (registration).
 * Not thread-safe: its connection calls it under its own lock.
 */
final class StreamNode {

  private final long streamId;
  private final ProxyLifecycle lifecycle;
  private Node proto;
  private ProxyNode node;

  StreamNode(long streamId, ProxyLifecycle lifecycle) {
    this.streamId = streamId;
    this.lifecycle = lifecycle;
  }

  /** Takes a request's node if it carries a new one; returns the node in force. */
  ProxyNode update(boolean hasNode, Node requestNode) {
    if (hasNode && !requestNode.equals(proto)) {
      proto = requestNode;
      node = ProxyNode.from(proto);
      lifecycle.nodeChanged(streamId, proto);
    } else if (node == null) {
      node = new ProxyNode("unknown-" + streamId, "default", Map.of());
    }
    return node;
  }
}
