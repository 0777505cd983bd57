package dev.jmesh.dataplane.identity;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents the workload's current SVID in every TLS handshake, so a renewed certificate is used by
 * the next connection while established ones keep theirs. A handshake asks for the alias, then the
 * chain and the key in separate calls; the alias names the SVID's generation, and the previous SVID
 * is kept, so a renewal between those calls cannot pair a new chain with an old key.
 */
public final class SvidKeyManager extends X509ExtendedKeyManager {

  private static final String PREFIX = "svid-";

  private final Supplier<Svid> current;
  private volatile Svid previous;

  public SvidKeyManager(Supplier<Svid> current) {
    this.current = current;
  }

  /** The current SVID's alias when its key suits one of {@code keyTypes}, else {@code null}. */
  private String alias(String... keyTypes) {
    Svid svid = current.get();
    if (svid == null) {
      return null;
    }
    String algorithm = svid.key().getAlgorithm();
    for (String type : keyTypes) {
      // TLS 1.2 clients ask for types like "EC_EC"; servers and TLS 1.3 for "EC", "RSA".
      if (type != null && (type.equals(algorithm) || type.startsWith(algorithm + "_"))) {
        return PREFIX + svid.generation();
      }
    }
    return null;
  }

  private Svid byAlias(String alias) {
    Svid svid = current.get();
    if (svid == null || alias == null) {
      return null;
    }
    if (alias.equals(PREFIX + svid.generation())) {
      return svid;
    }
    Svid old = previous;
    return old != null && alias.equals(PREFIX + old.generation()) ? old : null;
  }

  /** Called by the identity when it replaces {@code old}, so in-flight handshakes still find it. */
  void retire(Svid old) {
    previous = old;
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    String a = alias(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    String a = alias(keyType);
    return a == null ? null : new String[] {a};
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return alias(keyType);
  }

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return alias(keyType);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    Svid svid = byAlias(alias);
    return svid == null ? null : svid.chain().toArray(new X509Certificate[0]);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    Svid svid = byAlias(alias);
    return svid == null ? null : svid.key();
  }
}
