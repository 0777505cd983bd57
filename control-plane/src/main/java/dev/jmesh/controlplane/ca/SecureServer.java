package dev.jmesh.controlplane.ca;

import dev.jmesh.controlplane.ca.token.Authenticator;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The control plane's TLS gRPC port (Istio's 15012): {@code CreateCertificate} now; xDS can be
 * added to it with {@link #start}'s {@code extraServices}. No call on this port runs without an
 * authenticated caller. Its certificate is issued by the CA
 * and carries the root in its chain, so a workload holding only a join token can check it
 * against the token's pinned fingerprint. Client certificates are optional: a workload renewing
 * with its current SVID needs no token.
 */
public final class SecureServer implements AutoCloseable {
  /** Names Istio's clients use for istiod, plus loopback. */
  public static final List<String> DEFAULT_NAMES = List.of("istiod.istio-system.svc",
      "istiod.istio-system.svc.cluster.local", "istiod", "localhost", "127.0.0.1", "::1");
  static final Duration SERVER_CERT_TTL = Duration.ofHours(24);
  /** From accept to a usable HTTP/2 connection (TLS included), as Netty's own TLS default. */
  public static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  private final Server server;
  private final CallerAuthentication authentication;

  private SecureServer(Server server, CallerAuthentication authentication) {
    this.server = server;
    this.authentication = authentication;
  }

  /**
   * @param port 0 picks a free port
   * @param names DNS names and IPs the certificate is valid for; the bind address is added
   * @param extraServices more services (xDS, registration) on the same port; every call to
   *     them is authenticated too, and handlers read who called from
   *     {@link CallerAuthentication#CALLER}
   */
  public static SecureServer start(String bindAddress, int port, CertificateAuthority ca,
      Authenticator tokens, List<String> names, List<ServerServiceDefinition> extraServices)
      throws IOException, GeneralSecurityException {
    LinkedHashSet<String> all = new LinkedHashSet<>(names);
    if (!bindAddress.equals("0.0.0.0") && !bindAddress.equals("::")) {
      all.add(bindAddress);
    }
    ServerKeyManager keys = new ServerKeyManager(ca, new ArrayList<>(all), SERVER_CERT_TTL,
        Clock.systemUTC());
    SslContext tls = GrpcSslContexts.configure(SslContextBuilder.forServer(keys)
            .trustManager(new TrustBundleTrustManager(ca::trustBundle))
            .clientAuth(ClientAuth.OPTIONAL), SslProvider.JDK)
        .build();
    CallerAuthentication authentication = new CallerAuthentication(tokens,
        ca.settings().trustDomain(), ca.metrics());
    NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress(bindAddress, port))
        .sslContext(tls)
        // A client that connects and never finishes TLS and the HTTP/2 preface is closed after
        // this (gRPC's own default is 120 s), so a flood of them cannot hold descriptors for long.
        .handshakeTimeout(HANDSHAKE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .addService(new CertificateSigningService(ca).bind(authentication))
        .permitKeepAliveWithoutCalls(true)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .maxInboundMessageSize(16 * 1024 * 1024);
    extraServices.forEach(s -> b.addService(ServerInterceptors.intercept(s, authentication)));
    return new SecureServer(b.build().start(), authentication);
  }

  public int port() {
    return server.getPort();
  }

  /** The interceptor that authenticates callers, to put in front of other services. */
  public CallerAuthentication authentication() {
    return authentication;
  }

  @Override
  public void close() {
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
