package dev.jmesh.dataplane.record;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TrafficLabelsTest {

  @Test
  void missingWorkloadLabelsReadUnknownAndTheRevisionLatestAsInIstio() {
    WorkloadLabels labels = WorkloadLabels.builder().workload("reviews-v2").app("").build();
    assertThat(labels.workload()).isEqualTo("reviews-v2");
    assertThat(labels.namespace()).isEqualTo("unknown");
    assertThat(labels.principal()).isEqualTo("unknown");
    assertThat(labels.app()).isEqualTo("unknown");
    assertThat(labels.version()).isEqualTo("unknown");
    assertThat(labels.canonicalService()).isEqualTo("unknown");
    assertThat(labels.canonicalRevision()).isEqualTo("latest");
    assertThat(labels.cluster()).isEqualTo("unknown");
  }

  @Test
  void missingTrafficLabelsReadUnknown() {
    TrafficLabels labels = TrafficLabels.builder(Reporter.DESTINATION).build();
    assertThat(labels.source()).isEqualTo(WorkloadLabels.UNKNOWN_WORKLOAD);
    assertThat(labels.destination()).isEqualTo(WorkloadLabels.UNKNOWN_WORKLOAD);
    assertThat(labels.destinationService()).isEqualTo("unknown");
    assertThat(labels.destinationServiceName()).isEqualTo("unknown");
    assertThat(labels.destinationServiceNamespace()).isEqualTo("unknown");
    assertThat(labels.securityPolicy()).isEqualTo(ConnectionSecurityPolicy.UNKNOWN);
  }

  @Test
  void equalLabelsAreEqualObjects() {
    TrafficLabels a = sample("v1");
    TrafficLabels b = sample("v1");
    assertThat(a).isNotSameAs(b).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(sample("v2"));
    assertThat(a)
        .isNotEqualTo(
            TrafficLabels.builder(Reporter.DESTINATION)
                .source(a.source())
                .destination(a.destination())
                .destinationService("reviews.default.svc.cluster.local", "reviews", "default")
                .securityPolicy(ConnectionSecurityPolicy.MUTUAL_TLS)
                .build());
  }

  @Test
  void labelValuesAreIstios() {
    assertThat(Reporter.SOURCE.label()).isEqualTo("source");
    assertThat(Reporter.DESTINATION.label()).isEqualTo("destination");
    assertThat(ConnectionSecurityPolicy.MUTUAL_TLS.label()).isEqualTo("mutual_tls");
    assertThat(ConnectionSecurityPolicy.NONE.label()).isEqualTo("none");
    assertThat(ConnectionSecurityPolicy.UNKNOWN.label()).isEqualTo("unknown");
    assertThat(RequestProtocol.HTTP.label()).isEqualTo("http");
    assertThat(RequestProtocol.GRPC.label()).isEqualTo("grpc");
    assertThat(RequestProtocol.TCP.label()).isEqualTo("tcp");
  }

  private static TrafficLabels sample(String version) {
    return TrafficLabels.builder(Reporter.SOURCE)
        .source(WorkloadLabels.builder().workload("productpage-v1").namespace("default").build())
        .destination(
            WorkloadLabels.builder().workload("reviews-" + version).version(version).build())
        .destinationService("reviews.default.svc.cluster.local", "reviews", "default")
        .securityPolicy(ConnectionSecurityPolicy.MUTUAL_TLS)
        .build();
  }
}
