package dev.jmesh.cli;

/**
 * Istio node ids, {@code sidecar~IP~POD.NAMESPACE~NAMESPACE.svc.cluster.local}: the workload name
 * users know is the third field, as istioctl shows it.
 */
final class NodeId {

  private NodeId() {}

  /** {@code POD.NAMESPACE}, or the whole id when it is not in Istio's form. */
  static String workloadName(String nodeId) {
    String[] parts = nodeId.split("~");
    return parts.length >= 3 && !parts[2].isEmpty() ? parts[2] : nodeId;
  }

  /** The pod part of the workload name: {@code ratings-18120} of {@code ratings-18120.default}. */
  static String pod(String nodeId) {
    String name = workloadName(nodeId);
    int dot = name.indexOf('.');
    return dot < 0 ? name : name.substring(0, dot);
  }
}
