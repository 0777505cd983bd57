package dev.jmesh.dataplane.engine.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.identity.MeshTls;
import dev.jmesh.dataplane.identity.ServerIdentities;
import dev.jmesh.dataplane.identity.SpiffeId;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Which servers an upstream TLS context accepts, and what happens without an identity. */
class UpstreamTlsTest {

  private static final SpiffeId REVIEWS = SpiffeId.workload("cluster.local", "default", "reviews");
  private static final SpiffeId RATINGS = SpiffeId.workload("cluster.local", "default", "ratings");

  private static CommonTlsContext sans(StringMatcher... matchers) {
    CertificateValidationContext.Builder v = CertificateValidationContext.newBuilder();
    for (StringMatcher m : matchers) {
      v.addMatchSubjectAltNames(m);
    }
    return CommonTlsContext.newBuilder()
        .setCombinedValidationContext(
            CommonTlsContext.CombinedCertificateValidationContext.newBuilder()
                .setDefaultValidationContext(v))
        .build();
  }

  @Test
  void sanMatchersNameTheServersAccepted() {
    Predicate<SpiffeId> exact =
        ServerIdentities.allowed(
            sans(StringMatcher.newBuilder().setExact(REVIEWS.toString()).build()));
    assertThat(exact.test(REVIEWS)).isTrue();
    assertThat(exact.test(RATINGS)).isFalse();
    Predicate<SpiffeId> prefix =
        ServerIdentities.allowed(
            sans(
                StringMatcher.newBuilder()
                    .setPrefix("spiffe://cluster.local/ns/default/")
                    .build()));
    assertThat(prefix.test(RATINGS)).isTrue();
    assertThat(prefix.test(SpiffeId.workload("cluster.local", "prod", "reviews"))).isFalse();
  }

  @Test
  void withoutSanMatchersAnyVerifiedServerIsAccepted() {
    assertThat(ServerIdentities.allowed(CommonTlsContext.getDefaultInstance()).test(RATINGS))
        .isTrue();
  }

  @Test
  void noTlsIsPlaintextAndNoIdentityRefuses() {
    UpstreamTls tls = new UpstreamTls(() -> null, MeshTls.Provider.JDK);
    assertThat(tls.choose(null)).isSameAs(UpstreamTls.PLAINTEXT);
    UpstreamTls.Choice c = tls.choose(UpstreamTlsContext.getDefaultInstance());
    assertThat(c).isSameAs(UpstreamTls.NO_IDENTITY);
    assertThat(c.secure()).isFalse();
  }
}
