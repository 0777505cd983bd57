package dev.jmesh.dataplane.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.record.WorkloadLabels;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PeerMetadataTest {

  private static final WorkloadLabels REVIEWS =
      WorkloadLabels.builder()
          .workload("reviews-v2")
          .namespace("default")
          .app("reviews")
          .version("v2")
          .canonicalService("reviews")
          .canonicalRevision("v2")
          .cluster("Kubernetes")
          .principal("spiffe://cluster.local/ns/default/sa/reviews")
          .build();

  @Test
  void roundTripKeepsEveryLabelButTakesThePrincipalFromTheCaller() {
    String header = PeerMetadata.encode(REVIEWS);

    WorkloadLabels decoded = PeerMetadata.decode(header, "spiffe://cluster.local/ns/x/sa/proven");

    assertThat(decoded.workload()).isEqualTo("reviews-v2");
    assertThat(decoded.namespace()).isEqualTo("default");
    assertThat(decoded.app()).isEqualTo("reviews");
    assertThat(decoded.version()).isEqualTo("v2");
    assertThat(decoded.canonicalService()).isEqualTo("reviews");
    assertThat(decoded.canonicalRevision()).isEqualTo("v2");
    assertThat(decoded.cluster()).isEqualTo("Kubernetes");
    // A header can claim anything; only the mTLS peer certificate proves a principal.
    assertThat(decoded.principal()).isEqualTo("spiffe://cluster.local/ns/x/sa/proven");
  }

  @Test
  void garbageOrOversizedHeadersDecodeAsAnUnknownPeer() {
    assertThat(PeerMetadata.decode("not base64 !!", null))
        .isEqualTo(WorkloadLabels.UNKNOWN_WORKLOAD);
    assertThat(
            PeerMetadata.decode(Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff}), null))
        .isEqualTo(WorkloadLabels.UNKNOWN_WORKLOAD);
    assertThat(PeerMetadata.decode("A".repeat(PeerMetadata.MAX_ENCODED_LENGTH + 4), "spiffe://a"))
        .isEqualTo(WorkloadLabels.builder().principal("spiffe://a").build());
    assertThat(PeerMetadata.decode(null, null)).isEqualTo(WorkloadLabels.UNKNOWN_WORKLOAD);
  }
}
