package dev.jmesh.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jmesh.ca.api.IstioCertificateClient;
import dev.jmesh.ca.api.IstioCertificateRequest;
import dev.jmesh.ca.api.JoinToken;
import dev.jmesh.ca.api.PinnedRootTrustManager;
import dev.jmesh.controlplane.ca.token.JoinTokens;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Hostile callers of the real CA over its real TLS port: malformed, wrongly-keyed and forged CSRs
 * from a valid workload, and tokens that are malformed, expired, revoked, tampered with or minted
 * by another control plane. Each is refused with a status naming the reason, nothing is issued,
 * and — with the control plane's loggers at their most verbose — no log line carries a token, a
 * token's signature or a CSR.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileCertificateRequestsTest {
  private Path tmp;
  private ScheduledExecutorService scheduler;
  private CaService service;
  private ManagedChannel channel;
  private final List<String> logged = new ArrayList<>();
  private final List<String> secrets = new ArrayList<>();
  private final Handler capture =
      new Handler() {
        @Override
        public synchronized void publish(LogRecord r) {
          StringBuilder line = new StringBuilder(String.valueOf(r.getMessage()));
          if (r.getParameters() != null) {
            for (Object p : r.getParameters()) {
              line.append(' ').append(p);
            }
          }
          if (r.getThrown() != null) {
            line.append(' ').append(r.getThrown());
          }
          logged.add(line.toString());
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private final Logger jmesh = Logger.getLogger("dev.jmesh");
  private Level previousLevel;

  @BeforeAll
  void start() throws Exception {
    tmp = java.nio.file.Files.createTempDirectory("jmesh-hostile-ca");
    previousLevel = jmesh.getLevel();
    jmesh.setLevel(Level.ALL);
    capture.setLevel(Level.ALL);
    Logger.getLogger("").addHandler(capture);
    scheduler = Executors.newSingleThreadScheduledExecutor();
    service =
        CaService.start(
            tmp.resolve("ca"),
            CertificateAuthority.Settings.defaults(() -> "cluster.local"),
            "127.0.0.1",
            0,
            scheduler,
            List.of());
    channel =
        NettyChannelBuilder.forAddress("localhost", service.port())
            .sslContext(
                GrpcSslContexts.forClient()
                    .trustManager(
                        new PinnedRootTrustManager(
                            service.authority().trustBundle().fingerprints()))
                    .build())
            .build();
  }

  @AfterAll
  void stop() throws Exception {
    Logger.getLogger("").removeHandler(capture);
    jmesh.setLevel(previousLevel);
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    service.close();
    scheduler.shutdownNow();
    assertThat(service.authority().metrics().issued()).as("certificates issued").isZero();
    assertThat(logged).as("something was logged at all").isNotEmpty();
    for (String line : logged) {
      for (String secret : secrets) {
        assertThat(line).as("a log line").doesNotContain(secret);
      }
    }
  }

  @Test
  void aCsrThatIsNotDerIsMalformed() throws Exception {
    String notDer =
        "-----BEGIN CERTIFICATE REQUEST-----\n"
            + Base64.getMimeEncoder()
                .encodeToString("not a DER structure".getBytes(StandardCharsets.US_ASCII))
            + "\n-----END CERTIFICATE REQUEST-----\n";
    assertRefused(goodToken(), notDer, Status.Code.INVALID_ARGUMENT, "malformed_csr:", "PKCS#10");
  }

  @Test
  void aCsrWithAKeyOfAnUnsupportedAlgorithmIsRefused() throws Exception {
    KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    PKCS10CertificationRequest csr =
        new JcaPKCS10CertificationRequestBuilder(new X500Principal("CN=x"), ed.getPublic())
            .build(new JcaContentSignerBuilder("Ed25519").build(ed.getPrivate()));
    String pem =
        "-----BEGIN CERTIFICATE REQUEST-----\n"
            + Base64.getMimeEncoder().encodeToString(csr.getEncoded())
            + "\n-----END CERTIFICATE REQUEST-----\n";
    assertRefused(goodToken(), pem, Status.Code.INVALID_ARGUMENT, "unsupported_key:", "EdDSA",
        "use EC P-256 or RSA");
  }

  @Test
  void aCsrWithAFlippedSignatureBitIsRefused() throws Exception {
    PKCS10CertificationRequest csr = Pem.csr(TestPki.csr(TestPki.ec()));
    byte[] der = csr.getEncoded();
    der[der.length - 3] ^= 0x01;
    String pem =
        "-----BEGIN CERTIFICATE REQUEST-----\n"
            + Base64.getMimeEncoder().encodeToString(der)
            + "\n-----END CERTIFICATE REQUEST-----\n";
    assertRefused(goodToken(), pem, Status.Code.INVALID_ARGUMENT, "csr_signature_invalid:",
        "does not verify");
  }

  @Test
  void aMalformedTokenIsRefused() throws Exception {
    String token = goodToken();
    String truncated = token.substring(0, token.lastIndexOf('.'));
    secrets.add(truncated);
    assertRefused(truncated, csr(), Status.Code.UNAUTHENTICATED, "malformed:");
  }

  @Test
  void anExpiredTokenIsRefused() throws Exception {
    String token =
        service
            .tokens()
            .create(
                "default",
                "reviews",
                Duration.ofSeconds(1),
                service.authority().trustBundle().fingerprints());
    remember(token);
    Instant expiry = JoinToken.parse(token).claims().expiresAt();
    while (!Instant.now().isAfter(expiry)) {
      Thread.sleep(100);
    }
    assertRefused(token, csr(), Status.Code.UNAUTHENTICATED, "expired:", "token create");
  }

  @Test
  void aRevokedTokenIsRefused() throws Exception {
    String token = goodToken();
    service.tokens().revocations().revoke(JoinToken.parse(token).claims().id());
    assertRefused(token, csr(), Status.Code.UNAUTHENTICATED, "revoked:");
  }

  @Test
  void aTokenWithAFlippedSignatureBitIsRefused() throws Exception {
    String token = goodToken();
    int dot = token.lastIndexOf('.');
    byte[] signature = Base64.getUrlDecoder().decode(token.substring(dot + 1));
    signature[0] ^= 0x01;
    String tampered = token.substring(0, dot + 1)
        + Base64.getUrlEncoder().withoutPadding().encodeToString(signature);
    remember(tampered);
    assertRefused(tampered, csr(), Status.Code.UNAUTHENTICATED, "bad_signature:", "not signed");
  }

  /**
   * A token rewritten to claim another namespace and service account keeps its old signature:
   * refused. (A CSR asking for another identity with a good token is not refused but ignored, as by
   * Istio's CA: the certificate names the token's identity; CertificateAuthorityTest covers it.)
   */
  @Test
  void aTokenRewrittenForAnotherNamespaceAndServiceAccountIsRefused() throws Exception {
    String token = goodToken();
    String[] parts = token.split("\\.");
    String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    String other =
        claims.replace("ns=default", "ns=kube-system").replace("sa=reviews", "sa=admin");
    assertThat(other).isNotEqualTo(claims);
    String forged =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(other.getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];
    remember(forged);
    assertRefused(forged, csr(), Status.Code.UNAUTHENTICATED, "bad_signature:");
  }

  @Test
  void aTokenOfAnotherControlPlaneIsRefused() throws Exception {
    String foreign =
        JoinTokens.open(tmp.resolve("other-ca"))
            .create(
                "default",
                "reviews",
                Duration.ofHours(1),
                service.authority().trustBundle().fingerprints());
    remember(foreign);
    assertRefused(foreign, csr(), Status.Code.UNAUTHENTICATED, "bad_signature:");
  }

  private String goodToken() {
    String token =
        service
            .tokens()
            .create(
                "default",
                "reviews",
                Duration.ofHours(1),
                service.authority().trustBundle().fingerprints());
    remember(token);
    return token;
  }

  /** The token and its signature must never be logged. */
  private void remember(String token) {
    secrets.add(token);
    secrets.add(token.substring(token.lastIndexOf('.') + 1));
  }

  private String csr() throws Exception {
    String csr = TestPki.csr(TestPki.ec());
    // The base64 body's first line: a CSR (or a fragment of one) must not be logged either.
    secrets.add(csr.lines().skip(1).findFirst().orElseThrow());
    return csr;
  }

  private void assertRefused(String token, String csr, Status.Code code, String... description) {
    long issuedBefore = service.authority().metrics().issued();
    IstioCertificateClient client = IstioCertificateClient.of(channel).withBearerToken(token);
    assertThatThrownBy(
            () -> {
              try {
                client
                    .withDeadline(Duration.ofSeconds(20))
                    .createCertificate(IstioCertificateRequest.of(csr, 3600))
                    .get(30, TimeUnit.SECONDS);
              } catch (ExecutionException e) {
                throw e.getCause();
              }
            })
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription())
                  .startsWith(description[0])
                  .contains(description)
                  .doesNotContain(token);
            });
    assertThat(service.authority().metrics().issued()).isEqualTo(issuedBefore);
  }
}
