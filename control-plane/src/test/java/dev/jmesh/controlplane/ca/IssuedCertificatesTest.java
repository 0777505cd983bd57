package dev.jmesh.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IssuedCertificatesTest {
  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00Z");
  private static final InetSocketAddress FIRST = new InetSocketAddress("127.0.0.1", 40001);
  private static final InetSocketAddress SECOND = new InetSocketAddress("127.0.0.1", 40002);

  @TempDir Path tmp;

  @Test
  void aWorkloadGetsTheCertificateIssuedOnItsOwnConnectionElseItsIdentitysLast()
      throws Exception {
    CertificateAuthority ca = new CertificateAuthority(new CaDirectory(tmp.resolve("ca")),
        CertificateAuthority.Settings.defaults(() -> "cluster.local"),
        Clock.fixed(NOW, ZoneOffset.UTC));
    X509Certificate first = ca.issue("default", "reviews", TestPki.csr(TestPki.ec()), 0).leaf();
    X509Certificate second = ca.issue("default", "reviews", TestPki.csr(TestPki.ec()), 0).leaf();
    IssuedCertificates issued = new IssuedCertificates();
    issued.record(FIRST, "default", "reviews", "spiffe://cluster.local/ns/default/sa/reviews",
        first, NOW);
    issued.record(SECOND, "default", "reviews", "spiffe://cluster.local/ns/default/sa/reviews",
        second, NOW);

    // Two replicas of one service account: each its own certificate, by connection.
    IssuedCertificates.Match own = issued.lastFor(FIRST, "default", "reviews");
    assertThat(own.matchedBy()).isEqualTo("connection");
    assertThat(own.certificate().serial()).isEqualTo(first.getSerialNumber().toString(16));
    assertThat(own.certificate().notAfter()).isEqualTo(first.getNotAfter().toInstant());
    assertThat(own.certificate().notAfter()).isEqualTo(NOW.plusSeconds(24 * 3600));

    // A stream on a connection that asked for nothing (the workload reconnected): the last
    // certificate of its identity, saying so.
    IssuedCertificates.Match byIdentity =
        issued.lastFor(new InetSocketAddress("127.0.0.1", 40003), "default", "reviews");
    assertThat(byIdentity.matchedBy()).isEqualTo("identity");
    assertThat(byIdentity.certificate().serial())
        .isEqualTo(second.getSerialNumber().toString(16));

    assertThat(issued.lastFor(FIRST, "default", "ratings").matchedBy()).isEqualTo("connection");
    assertThat(issued.lastFor(null, "default", "ratings")).isNull();
  }
}
