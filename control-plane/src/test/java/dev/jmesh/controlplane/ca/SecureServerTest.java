package dev.jmesh.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.ca.api.IstioCertificateClient;
import dev.jmesh.ca.api.IstioCertificateClient.CertificateReply;
import dev.jmesh.ca.api.IstioCertificateRequest;
import dev.jmesh.ca.api.JoinToken;
import dev.jmesh.ca.api.PinnedRootTrustManager;
import dev.jmesh.controlplane.ControlPlane;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CreateCertificate over real TLS on an ephemeral port, as a workload with a token calls it. */
class SecureServerTest {
  @TempDir Path tmp;
  private ScheduledExecutorService scheduler;
  private CaService service;
  private final java.util.List<ManagedChannel> channels = new java.util.ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    scheduler = Executors.newSingleThreadScheduledExecutor();
    service = CaService.start(tmp.resolve("ca"),
        CertificateAuthority.Settings.defaults(() -> "cluster.local"), "127.0.0.1", 0,
        scheduler, List.of());
  }

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    service.close();
    scheduler.shutdownNow();
  }

  private String token(String ns, String sa) {
    return service.tokens().create(ns, sa, Duration.ofHours(1),
        service.authority().trustBundle().fingerprints());
  }

  /** A channel that trusts only the root the token pins, as a workload's first connection. */
  private ManagedChannel pinnedChannel(String host, List<String> pins, KeyPair clientKey,
      List<X509Certificate> clientChain) throws Exception {
    SslContextBuilder tls = GrpcSslContexts.forClient()
        .trustManager(new PinnedRootTrustManager(pins));
    if (clientKey != null) {
      tls.keyManager(clientKey.getPrivate(), clientChain);
    }
    ManagedChannel channel = NettyChannelBuilder.forAddress(host, service.port())
        .sslContext(tls.build()).build();
    channels.add(channel);
    return channel;
  }

  private static CertificateReply call(IstioCertificateClient client, String csr)
      throws Exception {
    try {
      return client.withDeadline(Duration.ofSeconds(20))
          .createCertificate(IstioCertificateRequest.of(csr, 3600)).get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (Exception) e.getCause();
    }
  }

  @Test
  void aWorkloadWithATokenGetsItsCertificateOverAVerifiedConnection() throws Exception {
    String token = token("default", "reviews");
    List<String> pins = JoinToken.parse(token).claims().rootFingerprints();
    KeyPair key = TestPki.ec();
    CertificateReply reply = call(IstioCertificateClient.of(
        pinnedChannel("localhost", pins, null, null)).withBearerToken(token),
        TestPki.csr(key, "CN=x", "spiffe://cluster.local/ns/kube-system/sa/admin"));

    List<X509Certificate> chain = Pem.certificates(String.join("", reply.certChain()));
    assertThat(chain).hasSize(2);
    assertThat(chain.get(0).getSubjectAlternativeNames().iterator().next().get(1))
        .isEqualTo("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(chain.get(0).getPublicKey()).isEqualTo(key.getPublic());
    assertThat(chain.get(0).getNotAfter().getTime() - chain.get(0).getNotBefore().getTime())
        .isEqualTo(Duration.ofMinutes(62).toMillis());
    assertThat(reply.trustBundle()).hasSize(1);
    assertThat(Pem.certificates(reply.trustBundle().get(0)))
        .containsExactly(service.authority().state().signer().root());
    assertThat(service.authority().metrics().issued()).isEqualTo(1);
  }

  @Test
  void theIpAddressIsInTheServerCertificateToo() throws Exception {
    String token = token("default", "reviews");
    CertificateReply reply = call(IstioCertificateClient.of(pinnedChannel("127.0.0.1",
        JoinToken.parse(token).claims().rootFingerprints(), null, null))
        .withBearerToken(token), TestPki.csr(TestPki.ec()));
    assertThat(reply.certChain()).hasSize(2);
  }

  @Test
  void aCallerWithoutATokenIsUnauthenticated() throws Exception {
    IstioCertificateClient client = IstioCertificateClient.of(pinnedChannel("localhost",
        service.authority().trustBundle().fingerprints(), null, null));
    assertThatThrownBy(() -> call(client, TestPki.csr(TestPki.ec())))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.getStatus().getDescription()).startsWith("missing: no credential");
        });
    assertThat(service.authority().metrics().tokensRefused("missing")).isEqualTo(1);
    assertThat(service.authority().metrics().issued()).isZero();
  }

  @Test
  void revokedAndForeignTokensAreUnauthenticatedAndCounted() throws Exception {
    String token = token("default", "reviews");
    JoinToken parsed = JoinToken.parse(token);
    service.tokens().revocations().revoke(parsed.claims().id());
    ManagedChannel channel = pinnedChannel("localhost", parsed.claims().rootFingerprints(),
        null, null);
    assertThatThrownBy(() -> call(IstioCertificateClient.of(channel).withBearerToken(token),
        TestPki.csr(TestPki.ec())))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
          assertThat(e.getStatus().getDescription()).startsWith("revoked:")
              .doesNotContain(token);
        });
    assertThatThrownBy(() -> call(IstioCertificateClient.of(channel)
        .withBearerToken(token.substring(0, token.length() - 4) + "AAAA"),
        TestPki.csr(TestPki.ec())))
        .hasMessageContaining("UNAUTHENTICATED: bad_signature");
    assertThat(service.authority().metrics().tokensRefused("revoked")).isEqualTo(1);
    assertThat(service.authority().metrics().tokensRefused("bad_signature")).isEqualTo(1);
    assertThat(service.metrics()).contains("jmesh_ca_tokens_refused_total{reason=\"revoked\"} 1",
        "citadel_server_authentication_failure_count 2");
  }

  @Test
  void aBadCsrIsInvalidArgumentWithTheReason() throws Exception {
    String token = token("default", "reviews");
    IstioCertificateClient client = IstioCertificateClient.of(pinnedChannel("localhost",
        JoinToken.parse(token).claims().rootFingerprints(), null, null)).withBearerToken(token);
    assertThatThrownBy(() -> call(client, "not a csr"))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).startsWith("malformed_csr:");
        });
  }

  @Test
  void aWorkloadGivenTheWrongRootFingerprintRefusesTheControlPlane() throws Exception {
    String token = token("default", "reviews");
    IstioCertificateClient client = IstioCertificateClient.of(pinnedChannel("localhost",
        List.of("ab".repeat(32)), null, null)).withBearerToken(token);
    assertThatThrownBy(() -> call(client, TestPki.csr(TestPki.ec())))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    // The token never reached the server: nothing was refused or issued there.
    assertThat(service.authority().metrics().issued()).isZero();
    assertThat(service.metrics()).contains("citadel_server_authentication_failure_count 0");
  }

  @Test
  void aPlaintextChannelNeverSendsTheToken() throws Exception {
    java.util.concurrent.atomic.AtomicReference<String> seen =
        new java.util.concurrent.atomic.AtomicReference<>("no call");
    io.grpc.Server plainServer = io.grpc.netty.NettyServerBuilder.forAddress(
            new java.net.InetSocketAddress("127.0.0.1", 0))
        .addService(io.grpc.ServerInterceptors.intercept(
            dev.jmesh.ca.api.IstioCertificateService.bindService((request, response) ->
                response.onError(Status.INTERNAL.asRuntimeException())),
            new io.grpc.ServerInterceptor() {
              @Override
              public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
                  io.grpc.ServerCall<Q, R> call, io.grpc.Metadata headers,
                  io.grpc.ServerCallHandler<Q, R> next) {
                seen.set(String.valueOf(headers.get(
                    dev.jmesh.ca.api.IstioCertificateService.AUTHORIZATION_HEADER)));
                return next.startCall(call, headers);
              }
            }))
        .build().start();
    try {
      ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", plainServer.getPort())
          .usePlaintext().build();
      channels.add(plain);
      assertThatThrownBy(() -> call(IstioCertificateClient.of(plain)
          .withBearerToken(token("default", "reviews")), TestPki.csr(TestPki.ec())))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
            assertThat(e.getStatus().getDescription()).contains("without TLS");
          });
      assertThat(seen.get()).isEqualTo("no call");
    } finally {
      plainServer.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aWorkloadRenewsWithItsCertificateOnceItsTokenHasGone() throws Exception {
    String token = token("default", "reviews");
    List<String> pins = JoinToken.parse(token).claims().rootFingerprints();
    KeyPair key = TestPki.ec();
    CertificateReply first = call(IstioCertificateClient.of(pinnedChannel("localhost", pins,
        null, null)).withBearerToken(token), TestPki.csr(key));
    List<X509Certificate> svid = Pem.certificates(String.join("", first.certChain()));
    service.tokens().revocations().revoke(JoinToken.parse(token).claims().id());

    KeyPair next = TestPki.ec();
    CertificateReply renewed = call(IstioCertificateClient.of(pinnedChannel("localhost", pins,
        key, svid)), TestPki.csr(next));
    X509Certificate leaf = Pem.certificates(renewed.certChain().get(0)).get(0);
    assertThat(leaf.getPublicKey()).isEqualTo(next.getPublic());
    assertThat(leaf.getSubjectAlternativeNames().iterator().next().get(1))
        .isEqualTo("spiffe://cluster.local/ns/default/sa/reviews");
    assertThat(service.authority().metrics().renewed()).isEqualTo(1);
  }

  @Test
  void aRootRotationKeepsNewTokensAndOldCertificatesWorking() throws Exception {
    CertificateAuthority authority = service.authority();
    String oldToken = token("default", "reviews");
    KeyPair key = TestPki.ec();
    List<X509Certificate> oldSvid = Pem.certificates(String.join("", call(
        IstioCertificateClient.of(pinnedChannel("localhost",
            JoinToken.parse(oldToken).claims().rootFingerprints(), null, null))
            .withBearerToken(oldToken), TestPki.csr(key)).certChain()));

    CaDirectory dir = authority.directory();
    SigningAuthority next = dir.startRotation(CertificateAuthority.ORGANIZATION);
    assertThat(authority.reloadIfChanged()).isTrue();
    String newToken = token("default", "ratings");
    assertThat(JoinToken.parse(newToken).claims().rootFingerprints()).hasSize(2);
    dir.activateRotation();
    assertThat(authority.reloadIfChanged()).isTrue();

    // The server now presents a certificate of the new root: a token pinning both verifies it.
    CertificateReply reply = call(IstioCertificateClient.of(pinnedChannel("localhost",
        JoinToken.parse(newToken).claims().rootFingerprints(), null, null))
        .withBearerToken(newToken), TestPki.csr(TestPki.ec()));
    assertThat(Pem.certificates(reply.certChain().get(1)).get(0)).isEqualTo(next.root());
    assertThat(reply.trustBundle()).hasSize(2);
    // A token made before the rotation pins only the old root: it refuses the server.
    assertThatThrownBy(() -> call(IstioCertificateClient.of(pinnedChannel("localhost",
        JoinToken.parse(oldToken).claims().rootFingerprints(), null, null))
        .withBearerToken(oldToken), TestPki.csr(TestPki.ec())))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    // A workload holding a certificate of the old root still renews with it.
    CertificateReply renewed = call(IstioCertificateClient.of(pinnedChannel("localhost",
        List.of(next.rootFingerprint()), key, oldSvid)), TestPki.csr(TestPki.ec()));
    X509Certificate leaf = Pem.certificates(renewed.certChain().get(0)).get(0);
    leaf.verify(next.root().getPublicKey());
    assertThat(leaf.getSubjectAlternativeNames().iterator().next().get(1))
        .isEqualTo("spiffe://cluster.local/ns/default/sa/reviews");
  }

  @Test
  void otherServicesOnThePortSeeTheAuthenticatedCaller() throws Exception {
    // A stand-in for xDS: answers with the caller's identity in its only message.
    io.grpc.MethodDescriptor<IstioCertificateRequest, dev.jmesh.ca.api.IstioCertificateResponse>
        who = dev.jmesh.ca.api.IstioCertificateService.CREATE_CERTIFICATE.toBuilder()
            .setFullMethodName("test.Identity/Who").build();
    io.grpc.ServerServiceDefinition identity = io.grpc.ServerServiceDefinition
        .builder("test.Identity")
        .addMethod(who, io.grpc.stub.ServerCalls.asyncUnaryCall((request, response) -> {
          var caller = CallerAuthentication.CALLER.get();
          response.onNext(dev.jmesh.ca.api.IstioCertificateResponse.of(
              List.of(caller.namespace() + "/" + caller.serviceAccount())));
          response.onCompleted();
        }))
        .build();
    try (CaService second = CaService.start(tmp.resolve("ca2"),
        CertificateAuthority.Settings.defaults(() -> "cluster.local"), "127.0.0.1", 0,
        scheduler, List.of(identity))) {
      String token = second.tokens().create("shop", "cart", Duration.ofMinutes(5),
          second.authority().trustBundle().fingerprints());
      ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", second.port())
          .sslContext(GrpcSslContexts.forClient().trustManager(new PinnedRootTrustManager(
              JoinToken.parse(token).claims().rootFingerprints())).build()).build();
      channels.add(channel);
      var answer = io.grpc.stub.ClientCalls.blockingUnaryCall(channel, who,
          io.grpc.CallOptions.DEFAULT.withCallCredentials(
                  new dev.jmesh.ca.api.BearerTokenCredentials(token))
              .withDeadlineAfter(20, TimeUnit.SECONDS), IstioCertificateRequest.of("", 0));
      assertThat(answer.certChain()).containsExactly("shop/cart");
      assertThatThrownBy(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(channel, who,
          io.grpc.CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS),
          IstioCertificateRequest.of("", 0)))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(
              e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }
  }

  @Test
  void theControlPlaneServesTheCaAndItsMetrics() throws Exception {
    Path config = Files.createDirectory(tmp.resolve("mesh-config"));
    try (ControlPlane cp = ControlPlane.builder().configDir(config).xdsPort(0).httpPort(0)
        .caDir(tmp.resolve("cp-ca")).securePort(0).build()) {
      cp.start();
      CaService ca = cp.certificateAuthority();
      assertThat(ca.port()).isPositive().isNotEqualTo(cp.xdsPort());
      String token = ca.tokens().create("default", "reviews", Duration.ofMinutes(5),
          ca.authority().trustBundle().fingerprints());
      ManagedChannel channel = NettyChannelBuilder.forAddress("localhost", ca.port())
          .sslContext(GrpcSslContexts.forClient().trustManager(new PinnedRootTrustManager(
              JoinToken.parse(token).claims().rootFingerprints())).build()).build();
      channels.add(channel);
      call(IstioCertificateClient.of(channel).withBearerToken(token), TestPki.csr(TestPki.ec()));
      HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + cp.httpPort() + "/metrics"))
              .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(metrics.body()).contains("jmesh_ca_certificates_issued_total 1",
          "citadel_server_success_cert_issuance_count 1", "pilot_xds_pushes");
    }
  }
}
