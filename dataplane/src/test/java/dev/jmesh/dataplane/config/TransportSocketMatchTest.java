package dev.jmesh.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Istio's auto-mTLS cluster shape: {@code transport_socket_matches} on {@code tlsMode} and the
 * endpoints' {@code envoy.transport_socket_match} metadata pick each host's transport.
 */
class TransportSocketMatchTest {

  private static final Struct ISTIO =
      Struct.newBuilder()
          .putFields("tlsMode", Value.newBuilder().setStringValue("istio").build())
          .build();

  private static TransportSocket tls(String sni) {
    return TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls")
        .setTypedConfig(Any.pack(UpstreamTlsContext.newBuilder().setSni(sni).build()))
        .build();
  }

  private static final TransportSocket RAW =
      TransportSocket.newBuilder()
          .setName("envoy.transport_sockets.raw_buffer")
          .setTypedConfig(Any.pack(RawBuffer.getDefaultInstance()))
          .build();

  private static Cluster autoMtls() {
    return Cluster.newBuilder()
        .setName("outbound|9080||reviews.default.svc.cluster.local")
        .setType(Cluster.DiscoveryType.STATIC)
        .setLoadAssignment(
            ClusterLoadAssignment.newBuilder()
                .addEndpoints(
                    LocalityLbEndpoints.newBuilder()
                        .addLbEndpoints(endpoint("10.0.0.1", ISTIO))
                        .addLbEndpoints(endpoint("10.0.0.2", null))))
        .addTransportSocketMatches(
            Cluster.TransportSocketMatch.newBuilder()
                .setName("tlsMode-istio")
                .setMatch(ISTIO)
                .setTransportSocket(tls("outbound_.9080_._.reviews")))
        .addTransportSocketMatches(
            Cluster.TransportSocketMatch.newBuilder()
                .setName("tlsMode-disabled")
                .setTransportSocket(RAW))
        .build();
  }

  private static LbEndpoint.Builder endpoint(String ip, Struct match) {
    LbEndpoint.Builder e =
        LbEndpoint.newBuilder()
            .setEndpoint(
                io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                    .setAddress(
                        Address.newBuilder()
                            .setSocketAddress(
                                SocketAddress.newBuilder().setAddress(ip).setPortValue(9080))));
    if (match != null) {
      e.setMetadata(
          Metadata.newBuilder()
              .putFilterMetadata("envoy.transport_socket_match", match)
              .putFilterMetadata(
                  "istio",
                  Struct.newBuilder()
                      .putFields(
                          "workload",
                          Value.newBuilder().setStringValue("reviews-v1;default").build())
                      .build()));
    }
    return e;
  }

  @Test
  void eachEndpointGetsTheTransportItsMetadataMatches() throws Exception {
    ClusterConfig c = ClusterCompiler.cluster(autoMtls());
    assertThat(c.transportSocketMatches()).hasSize(2);
    List<Endpoint> endpoints = c.endpoints();
    assertThat(endpoints.get(0).transportSocketMatch()).isEqualTo(Map.of("tlsMode", "istio"));
    assertThat(endpoints.get(1).transportSocketMatch()).isEmpty();
    assertThat(c.tlsFor(endpoints.get(0).transportSocketMatch()).getSni())
        .isEqualTo("outbound_.9080_._.reviews");
    // The empty match takes every other endpoint: raw_buffer, plaintext.
    assertThat(c.tlsFor(endpoints.get(1).transportSocketMatch())).isNull();
  }

  @Test
  void withoutAMatchTheClustersOwnTransportApplies() throws Exception {
    ClusterConfig c =
        ClusterCompiler.cluster(
            autoMtls().toBuilder()
                .removeTransportSocketMatches(1)
                .setTransportSocket(tls("cluster-default"))
                .build());
    assertThat(c.tlsFor(Map.of()).getSni()).isEqualTo("cluster-default");
    assertThat(c.tlsFor(Map.of("tlsMode", "istio")).getSni())
        .isEqualTo("outbound_.9080_._.reviews");
  }

  @Test
  void edsEndpointsCarryTheirMetadata() throws Exception {
    List<Endpoint> endpoints =
        ClusterCompiler.endpoints(
            ClusterLoadAssignment.newBuilder()
                .setClusterName("c")
                .addEndpoints(
                    LocalityLbEndpoints.newBuilder().addLbEndpoints(endpoint("10.0.0.9", ISTIO)))
                .build(),
            "");
    assertThat(endpoints.get(0).transportSocketMatch()).containsEntry("tlsMode", "istio");
  }

  @Test
  void nonStringCriteriaAndUnknownSocketsAreRejected() {
    Struct numeric =
        Struct.newBuilder()
            .putFields("tlsMode", Value.newBuilder().setNumberValue(1).build())
            .build();
    assertThatThrownBy(
            () ->
                ClusterCompiler.cluster(
                    autoMtls().toBuilder()
                        .setTransportSocketMatches(
                            0,
                            autoMtls().getTransportSocketMatches(0).toBuilder().setMatch(numeric))
                        .build()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("transport_socket_matches[0].match.tlsMode");
    assertThatThrownBy(
            () ->
                ClusterCompiler.cluster(
                    autoMtls().toBuilder()
                        .setTransportSocketMatches(
                            1,
                            autoMtls().getTransportSocketMatches(1).toBuilder()
                                .setTransportSocket(
                                    RAW.toBuilder().setName("envoy.transport_sockets.alts")))
                        .build()))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("transport_socket_matches[1].transport_socket.name");
  }
}
