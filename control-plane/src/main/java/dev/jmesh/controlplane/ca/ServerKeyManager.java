package dev.jmesh.controlplane.ca;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * The control plane's own TLS certificate, issued by its CA and re-issued at half its lifetime
 * or when the signing root changes (a rotation was activated). Each handshake asks for the
 * current one, so a new certificate applies to new connections without a restart.
 */
final class ServerKeyManager extends X509ExtendedKeyManager {
  private static final Logger logger = Logger.getLogger(ServerKeyManager.class.getName());
  private static final String ALIAS = "jmesh-control-plane";

  private record Current(CertificateAuthority.ServerCredentials credentials, Instant renewAt,
      String signerRoot) {}

  private final CertificateAuthority ca;
  private final List<String> names;
  private final Duration ttl;
  private final Clock clock;
  private volatile Current current;

  ServerKeyManager(CertificateAuthority ca, List<String> names, Duration ttl, Clock clock)
      throws GeneralSecurityException {
    this.ca = ca;
    this.names = List.copyOf(names);
    this.ttl = ttl;
    this.clock = clock;
    this.current = issue();
  }

  private Current issue() throws GeneralSecurityException {
    CertificateAuthority.ServerCredentials c = ca.serverCredentials(names, ttl);
    return new Current(c, clock.instant().plus(ttl.dividedBy(2)),
        ca.state().signer().rootFingerprint());
  }

  CertificateAuthority.ServerCredentials credentials() {
    Current c = current;
    if (clock.instant().isBefore(c.renewAt())
        && c.signerRoot().equals(ca.state().signer().rootFingerprint())) {
      return c.credentials();
    }
    synchronized (this) {
      if (current != c) {
        return current.credentials();
      }
      try {
        current = issue();
      } catch (GeneralSecurityException e) {
        // The old certificate is still valid for half its lifetime: keep serving it.
        logger.log(Level.WARNING, "re-issuing the control plane's TLS certificate failed", e);
        current = new Current(c.credentials(), clock.instant().plusSeconds(60), c.signerRoot());
      }
      return current.credentials();
    }
  }

  private boolean fits(String keyType) {
    String algorithm = credentials().key().getAlgorithm();
    return keyType == null || keyType.startsWith(algorithm);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return fits(keyType) ? ALIAS : null;
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return fits(keyType) ? ALIAS : null;
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return fits(keyType) ? new String[] {ALIAS} : null;
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return ALIAS.equals(alias)
        ? credentials().chain().toArray(new X509Certificate[0]) : null;
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return ALIAS.equals(alias) ? credentials().key() : null;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return null;
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return null;
  }
}
