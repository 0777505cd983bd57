package dev.jmesh.dataplane.settings;

import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.log.MeshLog;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The settings of one meshed workload (agent or proxy), validated and immutable. See
 * docs/agent.md for each setting, its sources and its default.
 */
public record MeshSettings(
    String service,
    String namespace,
    String serviceAccount,
    Map<String, String> labels,
    String locality,
    String controlPlane,
    String tokenFile,
    String token,
    int adminPort,
    int metricsPort,
    String workloadAddress,
    MeshLog.Level logLevel,
    String trustDomain,
    MeshTls.Provider tlsProvider,
    Set<Integer> excludeOutboundPorts,
    Set<Integer> excludeInboundPorts,
    List<Cidr> excludeOutboundIPRanges,
    List<String> excludeMainClasses,
    Set<String> disabledInstrumentations,
    boolean startUnmeshedOnError,
    Set<String> failHooks,
    EngineSettings engine,
    // Where the agent journals; null: no journal (the agent's default).
    Path journal) {

  public static final int DEFAULT_ADMIN_PORT = 15000;
  public static final int DEFAULT_METRICS_PORT = 15020;

  public MeshSettings {
    labels = Map.copyOf(labels);
    excludeOutboundPorts = Set.copyOf(excludeOutboundPorts);
    excludeInboundPorts = Set.copyOf(excludeInboundPorts);
    excludeOutboundIPRanges = List.copyOf(excludeOutboundIPRanges);
    excludeMainClasses = List.copyOf(excludeMainClasses);
    disabledInstrumentations = Set.copyOf(disabledInstrumentations);
    failHooks = Set.copyOf(failHooks);
  }

  /** The SPIFFE ID the settings name; a join token's identity takes precedence. */
  public String spiffeId() {
    return "spiffe://" + trustDomain + "/ns/" + namespace + "/sa/" + serviceAccount;
  }

  /**
   * Whether outbound traffic to {@code port} bypasses the mesh ({@code excludeOutboundPorts}): the
   * socket capture leaves its connections alone and the direct paths its requests.
   */
  public boolean excludesOutboundPort(int port) {
    return !excludeOutboundPorts.isEmpty() && excludeOutboundPorts.contains(port);
  }

  /**
   * Whether outbound traffic to {@code address} bypasses the mesh ({@code
   * excludeOutboundIPRanges}).
   */
  public boolean excludesOutboundAddress(InetAddress address) {
    for (Cidr range : excludeOutboundIPRanges) {
      if (range.contains(address)) {
        return true;
      }
    }
    return false;
  }

  /** Whether a join token is configured, inline or in a file. */
  public boolean hasToken() {
    return token != null || tokenFile != null;
  }

  @Override
  public String toString() {
    // The record's own toString would print the join token, a secret.
    return "MeshSettings[service="
        + service
        + ", namespace="
        + namespace
        + ", serviceAccount="
        + serviceAccount
        + ", controlPlane="
        + controlPlane
        + ", tokenFile="
        + tokenFile
        + ", token="
        + (token == null ? "none" : "(set)")
        + "]";
  }
}
