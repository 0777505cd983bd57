package dev.jmesh.dataplane.direct;

import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.identity.ServerIdentities;
import dev.jmesh.dataplane.identity.WorkloadIdentity;
import dev.jmesh.dataplane.log.MeshLog;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * The TLS a direct path puts on the application's own connection, as the engine would on its:
 * Istio's ISTIO_MUTUAL shape (the workload's SVID, the server checked against the cluster's SAN
 * matchers by SPIFFE ID). BoringSSL (Conscrypt) or JDK contexts, as the {@code tlsProvider} setting
 * says, built once per TLS config and identity; each handshake reads the identity's current
 * certificate, so rotations need no rebuild.
 *
 * <p>It also remembers the choice per endpoint, for a socket factory that sees only the address it
 * connects to ({@code MeshHooks.tlsFor}).
 */
final class DirectTls {

  /** Marks "mTLS is configured but cannot be had": the request fails (503 UF), never plaintext. */
  static final SSLContext UNAVAILABLE = unavailable();

  private static final int MAX_REMEMBERED_ENDPOINTS = 65_536;

  private final Supplier<WorkloadIdentity> identity;
  private final MeshTls.Provider provider;
  private final ConcurrentHashMap<UpstreamTlsContext, Built> built = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<InetSocketAddress, SSLContext> byEndpoint =
      new ConcurrentHashMap<>();

  private record Built(WorkloadIdentity identity, SSLContext context) {}

  DirectTls(Supplier<WorkloadIdentity> identity, MeshTls.Provider provider) {
    this.identity = identity;
    this.provider = provider;
  }

  /** The context for {@code tls}: {@code null} for plaintext, {@link #UNAVAILABLE} if none. */
  SSLContext choose(UpstreamTlsContext tls) {
    if (tls == null) {
      return null;
    }
    WorkloadIdentity id = identity.get();
    if (id == null) {
      MeshLog.warnOnce(
          "direct-mtls-no-identity",
          "an upstream cluster requires mTLS but this workload has no certificate yet: its"
              + " requests fail (503 UF) instead of leaving in plaintext; check the join token");
      return UNAVAILABLE;
    }
    Built b = built.get(tls);
    if (b != null && b.identity == id) {
      return b.context;
    }
    SSLContext c;
    try {
      c = MeshTls.forConnections(id, ServerIdentities.allowed(tls.getCommonTlsContext()), provider);
    } catch (GeneralSecurityException | RuntimeException e) {
      MeshLog.warnOnce(
          "direct-tls-context:" + e.getMessage(),
          "cannot build the upstream TLS context (" + e + "): requests needing it fail (503 UF)");
      c = UNAVAILABLE;
    }
    built.put(tls, new Built(id, c));
    return c;
  }

  /** Remembers that connections to {@code endpoint} use {@code context} ({@code null}: none). */
  void remember(InetSocketAddress endpoint, SSLContext context) {
    SSLContext value = context == null ? PLAINTEXT : context;
    if (byEndpoint.get(endpoint) == value) {
      return;
    }
    if (byEndpoint.size() >= MAX_REMEMBERED_ENDPOINTS) {
      // Endpoints come and go with scaling; forgetting them all now and then bounds the map.
      byEndpoint.clear();
    }
    byEndpoint.put(endpoint, value);
  }

  /**
   * The context last chosen for {@code endpoint}: {@code null} for plaintext or an endpoint no
   * direct decision named. Throws when mTLS is configured but cannot be had.
   */
  SSLContext forEndpoint(InetSocketAddress endpoint) throws java.net.ConnectException {
    SSLContext c = byEndpoint.get(endpoint);
    if (c == UNAVAILABLE) {
      throw new java.net.ConnectException(
          "jmesh: " + endpoint + " requires mTLS and this workload has no certificate");
    }
    return c == PLAINTEXT ? null : c;
  }

  /** Stands for "plaintext" in the map, which takes no null values. */
  private static final SSLContext PLAINTEXT = unavailable();

  private static SSLContext unavailable() {
    // A distinct, never-initialised context: only its identity matters.
    return new SSLContext(null, null, "jmesh") {};
  }
}
