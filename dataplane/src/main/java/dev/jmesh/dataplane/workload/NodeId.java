package dev.jmesh.dataplane.workload;

import dev.jmesh.dataplane.settings.MeshSettings;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;

/**
 * The xDS node ID of this process, in Istio's shape
 * ({@code sidecar~10.1.2.3~reviews-4711.default~default.svc.cluster.local}), so every JVM on a
 * host is told apart by its process ID.
 */
public final class NodeId {

  private NodeId() {}

  public static String of(MeshSettings settings, String ip, long pid) {
    return "sidecar~" + ip + "~" + settings.service() + "-" + pid + "." + settings.namespace()
        + "~" + settings.namespace() + ".svc.cluster.local";
  }

  /**
   * The workload's address: the configured one, else the first non-loopback IPv4 address of an
   * interface that is up. No DNS: a slow resolver must not delay the agent.
   */
  public static String workloadIp(MeshSettings settings) {
    if (!settings.workloadAddress().equals("0.0.0.0")) {
      return settings.workloadAddress();
    }
    try {
      for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nic.isUp() || nic.isLoopback()) {
          continue;
        }
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address) {
            return address.getHostAddress();
          }
        }
      }
    } catch (SocketException e) {
      // fall through to loopback
    }
    return "127.0.0.1";
  }
}
