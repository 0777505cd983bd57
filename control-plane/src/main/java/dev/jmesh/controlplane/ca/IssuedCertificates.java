package dev.jmesh.controlplane.ca;

import java.net.SocketAddress;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The last certificate the CA issued on each connection and to each identity, for
 * {@code /debug/syncz} and {@code mesh status}: a jmesh workload asks for its certificate on the
 * connection that carries its ADS stream, so the connection tells one workload's certificate from
 * another's of the same service account. Serial and validity only, never a key.
 */
public final class IssuedCertificates {
  /** Connections remembered; the oldest are forgotten first (their workloads left or renewed). */
  private static final int MAX_CONNECTIONS = 65_536;

  /**
   * One issued certificate.
   *
   * @param spiffeId the identity it certifies
   * @param serial the serial number in hex, as {@code /certs} and istioctl print it
   */
  public record Issued(String spiffeId, String serial, Instant notBefore, Instant notAfter,
      Instant issuedAt) {}

  /**
   * The certificate a workload holds as far as the CA knows, and how it was matched:
   * {@code connection} (issued on the workload's own ADS connection) or {@code identity} (the
   * last one issued to its service account, perhaps to another replica).
   */
  public record Match(Issued certificate, String matchedBy) {}

  private final Map<SocketAddress, Issued> byConnection =
      new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<SocketAddress, Issued> eldest) {
          return size() > MAX_CONNECTIONS;
        }
      };
  private final Map<String, Issued> byIdentity = new ConcurrentHashMap<>();

  /** Records {@code leaf}, issued to {@code namespace/serviceAccount} on {@code connection}. */
  void record(SocketAddress connection, String namespace, String serviceAccount,
      String spiffeId, X509Certificate leaf, Instant now) {
    Issued issued = new Issued(spiffeId, leaf.getSerialNumber().toString(16),
        leaf.getNotBefore().toInstant(), leaf.getNotAfter().toInstant(), now);
    byIdentity.put(namespace + "/" + serviceAccount, issued);
    if (connection != null) {
      synchronized (byConnection) {
        byConnection.put(connection, issued);
      }
    }
  }

  /**
   * The certificate issued on {@code connection}, else the last one issued to
   * {@code namespace/serviceAccount}; {@code null} when the CA issued neither.
   */
  public Match lastFor(SocketAddress connection, String namespace, String serviceAccount) {
    if (connection != null) {
      Issued own;
      synchronized (byConnection) {
        own = byConnection.get(connection);
      }
      if (own != null) {
        return new Match(own, "connection");
      }
    }
    Issued last = byIdentity.get(namespace + "/" + serviceAccount);
    return last == null ? null : new Match(last, "identity");
  }
}
