package dev.jmesh.dataplane.identity;

import dev.jmesh.dataplane.log.MeshLog;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.GeneralSecurityException;
import java.util.function.Predicate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/**
 * TLS contexts over a {@link WorkloadIdentity}, for the JDK's own sockets and engines and for Netty
 * with either the JDK provider or BoringSSL. Each handshake reads the identity's current
 * certificate and trust bundle, so a context is built once and survives rotations. Peers are
 * verified by SPIFFE ID only; there is no host name check to turn off because none is made.
 */
public final class MeshTls {

  /** Which TLS implementation the engine uses. */
  public enum Provider {
    /** The JDK's SunJSSE: always there. */
    JDK,
    /**
     * BoringSSL, Linux x86-64: through netty-tcnative in the engine, through Conscrypt on the
     * application's own connections. 3–6× faster handshakes, cheaper records.
     */
    BORINGSSL
  }

  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private MeshTls() {}

  /** An {@code SSLContext} presenting the workload's SVID and trusting {@code allowed} peers. */
  public static SSLContext jdk(WorkloadIdentity identity, Predicate<SpiffeId> allowed)
      throws GeneralSecurityException {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(
        new KeyManager[] {identity.keyManager()},
        new TrustManager[] {identity.trustManager(allowed)},
        null);
    return context;
  }

  /**
   * An {@code SSLContext} for the application's own sockets and engines (the direct paths):
   * BoringSSL through Conscrypt when {@code provider} asks for it and it loads, else the JDK's.
   */
  public static SSLContext forConnections(
      WorkloadIdentity identity, Predicate<SpiffeId> allowed, Provider provider)
      throws GeneralSecurityException {
    java.security.Provider conscrypt =
        provider == Provider.BORINGSSL ? ConscryptProvider.get() : null;
    if (conscrypt == null) {
      return jdk(identity, allowed);
    }
    return BoringSslContext.create(
        conscrypt,
        new KeyManager[] {identity.keyManager()},
        new TrustManager[] {identity.trustManager(allowed)});
  }

  /** Why BoringSSL cannot serve the application's own connections here; {@code null} if it can. */
  public static String conscryptFailure() {
    return ConscryptProvider.failure();
  }

  /** A Netty server context requiring a client certificate (mutual TLS). */
  public static SslContext server(WorkloadIdentity identity, Provider provider)
      throws SSLException {
    return server(identity, provider, null);
  }

  /**
   * A Netty server context requiring a client certificate, negotiating {@code alpn} ({@code null}
   * for no ALPN).
   */
  public static SslContext server(
      WorkloadIdentity identity, Provider provider, ApplicationProtocolConfig alpn)
      throws SSLException {
    SslContextBuilder builder =
        SslContextBuilder.forServer(identity.keyManager())
            .trustManager(identity.trustManager(id -> true))
            .clientAuth(ClientAuth.REQUIRE)
            .sslProvider(sslProvider(provider))
            .protocols(PROTOCOLS);
    if (alpn != null) {
      builder.applicationProtocolConfig(alpn);
    }
    return builder.build();
  }

  /** A Netty client context presenting the SVID and accepting the servers {@code allowed} takes. */
  public static SslContext client(
      WorkloadIdentity identity, Predicate<SpiffeId> allowed, Provider provider)
      throws SSLException {
    return client(identity, allowed, provider, null);
  }

  /**
   * As {@link #client(WorkloadIdentity, Predicate, Provider)}, offering {@code alpn} if not null.
   */
  public static SslContext client(
      WorkloadIdentity identity,
      Predicate<SpiffeId> allowed,
      Provider provider,
      ApplicationProtocolConfig alpn)
      throws SSLException {
    SslContextBuilder builder =
        SslContextBuilder.forClient()
            .keyManager(identity.keyManager())
            .trustManager(identity.trustManager(allowed))
            // SPIFFE certificates name no host: identity is checked by the trust manager instead.
            .endpointIdentificationAlgorithm(null)
            .sslProvider(sslProvider(provider))
            .protocols(PROTOCOLS);
    if (alpn != null) {
      builder.applicationProtocolConfig(alpn);
    }
    return builder.build();
  }

  /** The provider that will be used for {@code wanted}: BoringSSL falls back to the JDK. */
  public static Provider effective(Provider wanted) {
    if (wanted == Provider.BORINGSSL && !OpenSsl.isAvailable()) {
      MeshLog.warnOnce(
          "boringssl-unavailable",
          "BoringSSL is not available ("
              + OpenSsl.unavailabilityCause()
              + "); mTLS uses the JDK's TLS instead");
      return Provider.JDK;
    }
    return wanted;
  }

  private static SslProvider sslProvider(Provider wanted) {
    return effective(wanted) == Provider.BORINGSSL ? SslProvider.OPENSSL : SslProvider.JDK;
  }
}
