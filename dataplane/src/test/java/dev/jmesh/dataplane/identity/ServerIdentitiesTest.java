package dev.jmesh.dataplane.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import org.junit.jupiter.api.Test;

class ServerIdentitiesTest {

  private static final String REVIEWS = "spiffe://cluster.local/ns/default/sa/reviews";
  private static final String RATINGS = "spiffe://cluster.local/ns/default/sa/ratings";

  private static SubjectAltNameMatcher typed(SubjectAltNameMatcher.SanType type, String exact) {
    return SubjectAltNameMatcher.newBuilder()
        .setSanType(type)
        .setMatcher(StringMatcher.newBuilder().setExact(exact))
        .build();
  }

  private static CommonTlsContext common(CertificateValidationContext.Builder v) {
    return CommonTlsContext.newBuilder().setValidationContext(v).build();
  }

  @Test
  void typedUriMatchersAsIstiodWritesThemAcceptOnlyTheNamedServer() {
    CommonTlsContext c =
        common(
            CertificateValidationContext.newBuilder()
                .addMatchTypedSubjectAltNames(typed(SubjectAltNameMatcher.SanType.URI, REVIEWS)));
    assertTrue(ServerIdentities.allowed(c).test(SpiffeId.parse(REVIEWS)));
    assertFalse(ServerIdentities.allowed(c).test(SpiffeId.parse(RATINGS)));
  }

  @Test
  void typedMatchersOfOtherSanTypesAcceptNoMeshServer() {
    CommonTlsContext c =
        common(
            CertificateValidationContext.newBuilder()
                .addMatchTypedSubjectAltNames(
                    typed(SubjectAltNameMatcher.SanType.DNS, "reviews.default.svc")));
    assertFalse(ServerIdentities.allowed(c).test(SpiffeId.parse(REVIEWS)));
  }

  @Test
  void deprecatedUntypedMatchersStillCount() {
    CommonTlsContext c =
        common(
            CertificateValidationContext.newBuilder()
                .addMatchSubjectAltNames(
                    StringMatcher.newBuilder().setPrefix("spiffe://cluster.local/ns/default/")));
    assertTrue(ServerIdentities.allowed(c).test(SpiffeId.parse(RATINGS)));
    assertFalse(
        ServerIdentities.allowed(c).test(SpiffeId.parse("spiffe://cluster.local/ns/other/sa/x")));
  }

  @Test
  void noMatcherAcceptsAnyVerifiedServer() {
    assertTrue(
        ServerIdentities.allowed(CommonTlsContext.getDefaultInstance())
            .test(SpiffeId.parse(RATINGS)));
  }

  @Test
  void singleNamesTheOnlyExactSpiffeId() {
    assertEquals(
        REVIEWS,
        ServerIdentities.single(
            common(
                CertificateValidationContext.newBuilder()
                    .addMatchTypedSubjectAltNames(
                        typed(SubjectAltNameMatcher.SanType.URI, REVIEWS)))));
    assertNull(
        ServerIdentities.single(
            common(
                CertificateValidationContext.newBuilder()
                    .addMatchTypedSubjectAltNames(typed(SubjectAltNameMatcher.SanType.URI, REVIEWS))
                    .addMatchTypedSubjectAltNames(
                        typed(SubjectAltNameMatcher.SanType.URI, RATINGS)))));
    assertNull(ServerIdentities.single(CommonTlsContext.getDefaultInstance()));
  }
}
