package dev.jmesh.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Http2ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.Locality;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateProviderPluginInstance;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.ExplicitHttpConfig;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.Int64Range;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterCompilerTest {

  private static final ConfigSource ADS =
      ConfigSource.newBuilder()
          .setAds(AggregatedConfigSource.getDefaultInstance())
          .setResourceApiVersion(ApiVersion.V3)
          .build();

  private static Duration seconds(long s) {
    return Duration.newBuilder().setSeconds(s).build();
  }

  private static Cluster.Builder eds(String name) {
    return Cluster.newBuilder()
        .setName(name)
        .setConnectTimeout(seconds(10))
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ADS).setServiceName(name))
        .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN);
  }

  private static LbEndpoint.Builder lbEndpoint(String ip, int port) {
    return LbEndpoint.newBuilder()
        .setEndpoint(
            Endpoint.newBuilder()
                .setAddress(
                    Address.newBuilder()
                        .setSocketAddress(
                            SocketAddress.newBuilder().setAddress(ip).setPortValue(port))));
  }

  private static String rejection(Cluster c) {
    try {
      ClusterCompiler.cluster(c);
    } catch (InvalidConfigException e) {
      return e.toRejection("Cluster", c.getName()).message();
    }
    throw new AssertionError("accepted: " + c);
  }

  // What the control plane emits (control-plane's ClusterBuilder and XdsTranslator), built the
  // same way here: every one of them must compile.

  /** DestinationRule tls ISTIO_MUTUAL, as ClusterBuilder.applyTls builds it. */
  private static TransportSocket istioMutual() {
    CommonTlsContext common =
        CommonTlsContext.newBuilder()
            .setTlsCertificateProviderInstance(
                CertificateProviderPluginInstance.newBuilder()
                    .setInstanceName("default")
                    .setCertificateName("default"))
            .setValidationContext(
                CertificateValidationContext.newBuilder()
                    .setCaCertificateProviderInstance(
                        CertificateProviderPluginInstance.newBuilder()
                            .setInstanceName("default")
                            .setCertificateName("ROOTCA"))
                    .addMatchTypedSubjectAltNames(
                        SubjectAltNameMatcher.newBuilder()
                            .setSanType(SubjectAltNameMatcher.SanType.URI)
                            .setMatcher(
                                StringMatcher.newBuilder()
                                    .setExact("spiffe://cluster.local/ns/default/sa/reviews"))))
            .build();
    return TransportSocket.newBuilder()
        .setName("envoy.transport_sockets.tls")
        .setTypedConfig(
            Any.pack(
                UpstreamTlsContext.newBuilder()
                    .setCommonTlsContext(common)
                    .setSni("outbound_.9080_._.reviews.default.svc.cluster.local")
                    .build()))
        .build();
  }

  /** connectionPool with h2 and maxRequestsPerConnection, as applyConnectionPool builds it. */
  private static Any httpOptions() {
    return Any.pack(
        io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions.newBuilder()
            .setCommonHttpProtocolOptions(
                HttpProtocolOptions.newBuilder()
                    .setMaxRequestsPerConnection(UInt32Value.of(10))
                    .setIdleTimeout(seconds(30)))
            .setExplicitHttpConfig(
                ExplicitHttpConfig.newBuilder()
                    .setHttp2ProtocolOptions(Http2ProtocolOptions.getDefaultInstance()))
            .build());
  }

  @Test
  void everyShapeTheControlPlaneEmitsCompiles() throws InvalidConfigException {
    Cluster.SlowStartConfig warmup =
        Cluster.SlowStartConfig.newBuilder().setSlowStartWindow(seconds(60)).build();
    List<Cluster> emitted =
        List.of(
            eds("outbound|9080||reviews.default.svc.cluster.local").build(),
            eds("tls").setTransportSocket(istioMutual()).build(),
            eds("maglev")
                .setLbPolicy(Cluster.LbPolicy.MAGLEV)
                .setMaglevLbConfig(
                    Cluster.MaglevLbConfig.newBuilder().setTableSize(UInt64Value.of(65537)))
                .build(),
            eds("ring")
                .setLbPolicy(Cluster.LbPolicy.RING_HASH)
                .setRingHashLbConfig(
                    Cluster.RingHashLbConfig.newBuilder().setMinimumRingSize(UInt64Value.of(2048)))
                .build(),
            eds("lr-warmup")
                .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                .setLeastRequestLbConfig(
                    Cluster.LeastRequestLbConfig.newBuilder().setSlowStartConfig(warmup))
                .build(),
            eds("rr-warmup")
                .setRoundRobinLbConfig(
                    Cluster.RoundRobinLbConfig.newBuilder().setSlowStartConfig(warmup))
                .build(),
            eds("random").setLbPolicy(Cluster.LbPolicy.RANDOM).build(),
            eds("pool")
                .setCircuitBreakers(
                    CircuitBreakers.newBuilder()
                        .addThresholds(
                            CircuitBreakers.Thresholds.newBuilder()
                                .setMaxConnections(UInt32Value.of(100))
                                .setMaxPendingRequests(UInt32Value.of(10))
                                .setMaxRequests(UInt32Value.of(50))
                                .setMaxRetries(UInt32Value.of(2))))
                .putTypedExtensionProtocolOptions(
                    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", httpOptions())
                .build(),
            eds("outlier")
                .setOutlierDetection(
                    OutlierDetection.newBuilder()
                        .setConsecutive5Xx(UInt32Value.of(3))
                        .setEnforcingConsecutive5Xx(UInt32Value.of(100))
                        .setConsecutiveGatewayFailure(UInt32Value.of(2))
                        .setEnforcingConsecutiveGatewayFailure(UInt32Value.of(100))
                        .setConsecutiveLocalOriginFailure(UInt32Value.of(4))
                        .setSplitExternalLocalOriginErrors(true)
                        .setInterval(seconds(5))
                        .setBaseEjectionTime(seconds(15))
                        .setMaxEjectionPercent(UInt32Value.of(50)))
                .setCommonLbConfig(
                    Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(Percent.newBuilder().setValue(30)))
                .build(),
            eds("istio-default-outlier")
                .setOutlierDetection(
                    OutlierDetection.newBuilder()
                        .setEnforcingConsecutive5Xx(UInt32Value.of(0))
                        .setSplitExternalLocalOriginErrors(false))
                .build(),
            Cluster.newBuilder()
                .setName("outbound|80||httpbin.org")
                .setConnectTimeout(seconds(10))
                .setType(Cluster.DiscoveryType.STRICT_DNS)
                .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_PREFERRED)
                .setLoadAssignment(
                    ClusterLoadAssignment.newBuilder()
                        .setClusterName("outbound|80||httpbin.org")
                        .addEndpoints(
                            LocalityLbEndpoints.newBuilder()
                                .setLocality(Locality.newBuilder().setRegion("eu"))
                                .setLoadBalancingWeight(UInt32Value.of(1))
                                .addLbEndpoints(
                                    lbEndpoint("httpbin.org", 80)
                                        .setHealthStatus(HealthStatus.HEALTHY)
                                        .setLoadBalancingWeight(UInt32Value.of(1)))))
                .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                .build(),
            // DestinationRule loadBalancer simple PASSTHROUGH, after TLS was applied.
            eds("passthrough-dr")
                .setTransportSocket(istioMutual())
                .clearEdsClusterConfig()
                .setType(Cluster.DiscoveryType.ORIGINAL_DST)
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                .build(),
            Cluster.newBuilder()
                .setName("PassthroughCluster")
                .setType(Cluster.DiscoveryType.ORIGINAL_DST)
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                .setConnectTimeout(seconds(10))
                .build(),
            Cluster.newBuilder()
                .setName("BlackHoleCluster")
                .setType(Cluster.DiscoveryType.STATIC)
                .setConnectTimeout(seconds(10))
                .build());
    for (Cluster c : emitted) {
      assertThat(ClusterCompiler.cluster(c)).as(c.getName()).isNotNull();
    }
  }

  @Test
  void istiodsUnlimitedThresholdsAreReadUnsignedAndTrackRemainingIsAccepted()
      throws InvalidConfigException {
    UInt32Value noLimit = UInt32Value.of(-1); // 2^32-1 on the wire
    ClusterConfig c =
        ClusterCompiler.cluster(
            eds("istio-defaults")
                .setCircuitBreakers(
                    CircuitBreakers.newBuilder()
                        .addThresholds(
                            CircuitBreakers.Thresholds.newBuilder()
                                .setMaxConnections(noLimit)
                                .setMaxPendingRequests(noLimit)
                                .setMaxRequests(noLimit)
                                .setMaxRetries(noLimit)
                                .setTrackRemaining(true)))
                .build());
    long max = 0xFFFF_FFFFL;
    assertThat(c.circuitBreakers()).isEqualTo(new CircuitBreakerThresholds(max, max, max, max));
  }

  @Test
  void unsetFieldsTakeEnvoysDefaults() throws InvalidConfigException {
    ClusterConfig c = ClusterCompiler.cluster(eds("plain").build());
    assertThat(c.loadBalancing()).isEqualTo(LoadBalancingConfig.DEFAULTS);
    assertThat(c.loadBalancing().healthyPanicThresholdPercent()).isEqualTo(50);
    assertThat(c.loadBalancing().maglevTableSize()).isEqualTo(65537);
    assertThat(c.loadBalancing().minimumRingSize()).isEqualTo(1024);
    assertThat(c.loadBalancing().maximumRingSize()).isEqualTo(8 * 1024 * 1024);
    assertThat(c.circuitBreakers()).isEqualTo(new CircuitBreakerThresholds(1024, 1024, 1024, 3));
    assertThat(c.outlierDetection()).isNull();
    assertThat(c.healthCheck()).isNull();
    assertThat(c.tls()).isNull();
    assertThat(c.httpProtocolOptions()).isNull();
    assertThat(c.dnsLookupFamily()).isEqualTo(ClusterConfig.DnsLookupFamily.AUTO);

    ClusterConfig od =
        ClusterCompiler.cluster(
            eds("od").setOutlierDetection(OutlierDetection.getDefaultInstance()).build());
    assertThat(od.outlierDetection()).isEqualTo(OutlierDetectionConfig.DEFAULTS);
    assertThat(od.outlierDetection().maxEjectionTimeNanos()).isEqualTo(300_000_000_000L);
    assertThat(od.outlierDetection().enforcingConsecutiveGatewayFailure()).isZero();
    assertThat(od.outlierDetection().alwaysEjectOneHost()).isFalse();
    assertThat(od.outlierDetection().successfulActiveHealthCheckUnejectHost()).isTrue();

    OutlierDetectionConfig set =
        ClusterCompiler.cluster(
                eds("set")
                    .setOutlierDetection(
                        OutlierDetection.newBuilder()
                            .setAlwaysEjectOneHost(com.google.protobuf.BoolValue.of(true))
                            .setSuccessfulActiveHealthCheckUnejectHost(
                                com.google.protobuf.BoolValue.of(false))
                            .setMaxEjectionTime(seconds(60)))
                    .build())
            .outlierDetection();
    assertThat(set.alwaysEjectOneHost()).isTrue();
    assertThat(set.successfulActiveHealthCheckUnejectHost()).isFalse();
    assertThat(set.maxEjectionTimeNanos()).isEqualTo(60_000_000_000L);
  }

  @Test
  void everyCarriedFieldIsCompiled() throws InvalidConfigException {
    ClusterConfig c =
        ClusterCompiler.cluster(
            eds("all")
                .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                .setLeastRequestLbConfig(
                    Cluster.LeastRequestLbConfig.newBuilder()
                        .setChoiceCount(UInt32Value.of(3))
                        .setActiveRequestBias(RuntimeDouble.newBuilder().setDefaultValue(0.5))
                        .setSlowStartConfig(
                            Cluster.SlowStartConfig.newBuilder()
                                .setSlowStartWindow(seconds(30))
                                .setAggression(RuntimeDouble.newBuilder().setDefaultValue(2.0))
                                .setMinWeightPercent(Percent.newBuilder().setValue(20))))
                .setCommonLbConfig(
                    Cluster.CommonLbConfig.newBuilder()
                        .setHealthyPanicThreshold(Percent.newBuilder().setValue(0))
                        .setLocalityWeightedLbConfig(
                            Cluster.CommonLbConfig.LocalityWeightedLbConfig.getDefaultInstance()))
                .setTransportSocket(istioMutual())
                .putTypedExtensionProtocolOptions(
                    "envoy.extensions.upstreams.http.v3.HttpProtocolOptions", httpOptions())
                .addHealthChecks(
                    HealthCheck.newBuilder()
                        .setTimeout(seconds(1))
                        .setInterval(seconds(5))
                        .setUnhealthyThreshold(UInt32Value.of(3))
                        .setHealthyThreshold(UInt32Value.of(2))
                        .setHttpHealthCheck(
                            HealthCheck.HttpHealthCheck.newBuilder()
                                .setPath("/healthz")
                                .addExpectedStatuses(
                                    Int64Range.newBuilder().setStart(200).setEnd(400))))
                .build());
    LoadBalancingConfig lb = c.loadBalancing();
    assertThat(lb.choiceCount()).isEqualTo(3);
    assertThat(lb.activeRequestBias()).isEqualTo(0.5);
    assertThat(lb.slowStart()).isEqualTo(new SlowStartConfig(30_000_000_000L, 2.0, 20));
    assertThat(lb.healthyPanicThresholdPercent()).isZero();
    assertThat(lb.localityWeighted()).isTrue();
    assertThat(c.tls().getSni()).isEqualTo("outbound_.9080_._.reviews.default.svc.cluster.local");
    assertThat(c.httpProtocolOptions().getCommonHttpProtocolOptions().getMaxRequestsPerConnection())
        .isEqualTo(UInt32Value.of(10));
    HealthCheckConfig hc = c.healthCheck();
    assertThat(hc.kind()).isEqualTo(HealthCheckConfig.Kind.HTTP);
    assertThat(hc.path()).isEqualTo("/healthz");
    assertThat(hc.expects(399)).isTrue();
    assertThat(hc.expects(400)).isFalse();
    assertThat(hc.timeoutNanos()).isEqualTo(1_000_000_000L);
    assertThat(hc.intervalNanos()).isEqualTo(5_000_000_000L);
    assertThat(hc.unhealthyThreshold()).isEqualTo(3);
    assertThat(hc.healthyThreshold()).isEqualTo(2);
  }

  @Test
  void anHttpCheckWithoutStatusesExpects200Only() throws InvalidConfigException {
    HealthCheckConfig hc =
        ClusterCompiler.cluster(
                eds("hc")
                    .addHealthChecks(
                        HealthCheck.newBuilder()
                            .setTimeout(seconds(1))
                            .setInterval(seconds(1))
                            .setUnhealthyThreshold(UInt32Value.of(1))
                            .setHealthyThreshold(UInt32Value.of(1))
                            .setHttpHealthCheck(
                                HealthCheck.HttpHealthCheck.newBuilder().setPath("/")))
                    .build())
            .healthCheck();
    assertThat(hc.expects(200)).isTrue();
    assertThat(hc.expects(204)).isFalse();
  }

  @Test
  void originalDestinationIsAPassthroughWithoutEndpoints() throws InvalidConfigException {
    ClusterConfig c =
        ClusterCompiler.cluster(
            Cluster.newBuilder()
                .setName("PassthroughCluster")
                .setType(Cluster.DiscoveryType.ORIGINAL_DST)
                .setLbPolicy(Cluster.LbPolicy.CLUSTER_PROVIDED)
                .build());
    assertThat(c.discovery()).isEqualTo(ClusterConfig.Discovery.ORIGINAL_DST);
    assertThat(c.lbPolicy()).isEqualTo(ClusterConfig.LbPolicy.CLUSTER_PROVIDED);
    assertThat(c.endpoints()).isEmpty();
  }

  @Test
  void strictDnsKeepsItsHostNamesAndLookupFamily() throws InvalidConfigException {
    ClusterConfig c =
        ClusterCompiler.cluster(
            Cluster.newBuilder()
                .setName("dns")
                .setType(Cluster.DiscoveryType.STRICT_DNS)
                .setDnsLookupFamily(Cluster.DnsLookupFamily.V4_ONLY)
                .setLoadAssignment(
                    ClusterLoadAssignment.newBuilder()
                        .addEndpoints(
                            LocalityLbEndpoints.newBuilder()
                                .addLbEndpoints(lbEndpoint("example.com", 443))))
                .build());
    assertThat(c.discovery()).isEqualTo(ClusterConfig.Discovery.STRICT_DNS);
    assertThat(c.dnsLookupFamily()).isEqualTo(ClusterConfig.DnsLookupFamily.V4_ONLY);
    assertThat(c.endpoints())
        .extracting(dev.jmesh.dataplane.config.Endpoint::address)
        .containsExactly("example.com");
  }

  @Test
  void invalidAndUnsupportedFieldsAreRejectedByName() {
    assertThat(
            rejection(
                eds("m")
                    .setLbPolicy(Cluster.LbPolicy.MAGLEV)
                    .setMaglevLbConfig(
                        Cluster.MaglevLbConfig.newBuilder().setTableSize(UInt64Value.of(65536)))
                    .build()))
        .isEqualTo(
            "Cluster m: maglev_lb_config.table_size: must be a prime no larger than 5000011");
    assertThat(
            rejection(
                eds("r")
                    .setLbPolicy(Cluster.LbPolicy.RING_HASH)
                    .setRingHashLbConfig(
                        Cluster.RingHashLbConfig.newBuilder()
                            .setMinimumRingSize(UInt64Value.of(4096))
                            .setMaximumRingSize(UInt64Value.of(1024)))
                    .build()))
        .isEqualTo(
            "Cluster r: ring_hash_lb_config.minimum_ring_size: must not exceed maximum_ring_size");
    assertThat(
            rejection(
                eds("h")
                    .setLbPolicy(Cluster.LbPolicy.RING_HASH)
                    .setRingHashLbConfig(
                        Cluster.RingHashLbConfig.newBuilder()
                            .setHashFunction(Cluster.RingHashLbConfig.HashFunction.MURMUR_HASH_2))
                    .build()))
        .isEqualTo("Cluster h: ring_hash_lb_config.hash_function: only XX_HASH is supported");
    assertThat(
            rejection(
                eds("x")
                    .setRingHashLbConfig(Cluster.RingHashLbConfig.getDefaultInstance())
                    .build()))
        .isEqualTo("Cluster x: ring_hash_lb_config: only applies to lb_policy RING_HASH");
    assertThat(
            rejection(
                eds("c")
                    .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
                    .setLeastRequestLbConfig(
                        Cluster.LeastRequestLbConfig.newBuilder().setChoiceCount(UInt32Value.of(1)))
                    .build()))
        .isEqualTo("Cluster c: least_request_lb_config.choice_count: must be at least 2");
    assertThat(
            rejection(
                eds("z")
                    .setCommonLbConfig(
                        Cluster.CommonLbConfig.newBuilder()
                            .setZoneAwareLbConfig(
                                Cluster.CommonLbConfig.ZoneAwareLbConfig.getDefaultInstance()))
                    .build()))
        .isEqualTo("Cluster z: common_lb_config.zone_aware_lb_config: not supported");
    assertThat(
            rejection(
                eds("o")
                    .setOutlierDetection(
                        OutlierDetection.newBuilder().setSuccessRateMinimumHosts(UInt32Value.of(3)))
                    .build()))
        .isEqualTo("Cluster o: outlier_detection.success_rate_minimum_hosts: not supported");
    assertThat(
            rejection(
                eds("p")
                    .setOutlierDetection(
                        OutlierDetection.newBuilder().setMaxEjectionPercent(UInt32Value.of(101)))
                    .build()))
        .isEqualTo("Cluster p: outlier_detection.max_ejection_percent: must be in [0, 100]");
    assertThat(
            rejection(
                eds("t")
                    .setTransportSocket(
                        TransportSocket.newBuilder().setName("envoy.transport_sockets.alts"))
                    .build()))
        .isEqualTo(
            "Cluster t: transport_socket.name: transport socket"
                + " envoy.transport_sockets.alts not supported");
    assertThat(
            rejection(
                eds("u")
                    .putTypedExtensionProtocolOptions(
                        "envoy.extensions.upstreams.tcp.v3.TcpProtocolOptions",
                        Any.getDefaultInstance())
                    .build()))
        .isEqualTo(
            "Cluster u: typed_extension_protocol_options[envoy.extensions.upstreams.tcp.v3"
                + ".TcpProtocolOptions]: extension envoy.extensions.upstreams.tcp.v3"
                + ".TcpProtocolOptions not supported");
    assertThat(
            rejection(
                eds("idle")
                    .putTypedExtensionProtocolOptions(
                        "envoy.extensions.upstreams.http.v3.HttpProtocolOptions",
                        Any.pack(
                            io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                                .newBuilder()
                                .setCommonHttpProtocolOptions(
                                    io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions
                                        .newBuilder()
                                        .setIdleTimeout(
                                            com.google.protobuf.Duration.newBuilder()
                                                .setSeconds(-5)))
                                .build()))
                    .build()))
        .isEqualTo(
            "Cluster idle: typed_extension_protocol_options[envoy.extensions.upstreams.http.v3"
                + ".HttpProtocolOptions].common_http_protocol_options.idle_timeout: must not be"
                + " negative (0 turns the idle timeout off)");
    assertThat(
            rejection(
                Cluster.newBuilder()
                    .setName("od")
                    .setType(Cluster.DiscoveryType.ORIGINAL_DST)
                    .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
                    .build()))
        .isEqualTo("Cluster od: lb_policy: an ORIGINAL_DST cluster needs CLUSTER_PROVIDED");
    assertThat(
            rejection(
                eds("s").setLbSubsetConfig(Cluster.LbSubsetConfig.getDefaultInstance()).build()))
        .isEqualTo("Cluster s: lb_subset_config: not supported");
  }

  @Test
  void healthChecksAreValidated() {
    HealthCheck.Builder ok =
        HealthCheck.newBuilder()
            .setTimeout(seconds(1))
            .setInterval(seconds(1))
            .setUnhealthyThreshold(UInt32Value.of(1))
            .setHealthyThreshold(UInt32Value.of(1))
            .setTcpHealthCheck(HealthCheck.TcpHealthCheck.getDefaultInstance());
    assertThat(rejection(eds("a").addHealthChecks(ok.clone().clearInterval()).build()))
        .isEqualTo("Cluster a: health_checks[0].interval: is required");
    assertThat(rejection(eds("b").addHealthChecks(ok).addHealthChecks(ok).build()))
        .isEqualTo("Cluster b: health_checks: only one health check is supported");
    assertThat(
            rejection(
                eds("c")
                    .addHealthChecks(
                        ok.clone()
                            .setTcpHealthCheck(
                                HealthCheck.TcpHealthCheck.newBuilder()
                                    .setSend(HealthCheck.Payload.newBuilder().setText("50494E47"))))
                    .build()))
        .isEqualTo("Cluster c: health_checks[0].tcp_health_check.send: not supported");
    assertThat(
            rejection(
                eds("d")
                    .addHealthChecks(
                        ok.clone()
                            .setHttpHealthCheck(
                                HealthCheck.HttpHealthCheck.newBuilder()
                                    .setPath("/")
                                    .addExpectedStatuses(
                                        Int64Range.newBuilder().setStart(200).setEnd(700))))
                    .build()))
        .isEqualTo(
            "Cluster d: health_checks[0].http_health_check.expected_statuses[0]:"
                + " must be a non-empty range within [100, 600)");
    assertThat(
            rejection(
                eds("e")
                    .addHealthChecks(
                        ok.clone()
                            .clearTcpHealthCheck()
                            .setGrpcHealthCheck(HealthCheck.GrpcHealthCheck.getDefaultInstance()))
                    .build()))
        .isEqualTo("Cluster e: health_checks[0].grpc_health_check: not supported");
  }

  @Test
  void weightsThatCannotBalanceAreRejected() {
    ClusterLoadAssignment zeroLocality =
        ClusterLoadAssignment.newBuilder()
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .setLoadBalancingWeight(UInt32Value.of(0))
                    .addLbEndpoints(lbEndpoint("10.0.0.1", 80)))
            .build();
    assertThatThrownBy(() -> ClusterCompiler.endpoints(zeroLocality, ""))
        .hasMessage("endpoints[0].load_balancing_weight: must be at least 1");
    ClusterLoadAssignment farPriority =
        ClusterLoadAssignment.newBuilder()
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .setPriority(129)
                    .addLbEndpoints(lbEndpoint("10.0.0.1", 80)))
            .build();
    assertThatThrownBy(() -> ClusterCompiler.endpoints(farPriority, ""))
        .hasMessage("endpoints[0].priority: must be at most 128");
    ClusterLoadAssignment zeroEndpoint =
        ClusterLoadAssignment.newBuilder()
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .addLbEndpoints(
                        lbEndpoint("10.0.0.1", 80).setLoadBalancingWeight(UInt32Value.of(0))))
            .build();
    assertThatThrownBy(() -> ClusterCompiler.endpoints(zeroEndpoint, ""))
        .hasMessage("endpoints[0].lb_endpoints[0].load_balancing_weight: must be at least 1");
    ClusterLoadAssignment overflow =
        ClusterLoadAssignment.newBuilder()
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .addLbEndpoints(
                        lbEndpoint("10.0.0.1", 80).setLoadBalancingWeight(UInt32Value.of(-1)))
                    .addLbEndpoints(
                        lbEndpoint("10.0.0.2", 80).setLoadBalancingWeight(UInt32Value.of(1))))
            .build();
    assertThatThrownBy(() -> ClusterCompiler.endpoints(overflow, ""))
        .hasMessage(
            "endpoints[0].lb_endpoints: the sum of load_balancing_weight exceeds 4294967295");
  }

  private static ClusterLoadAssignment withWorkload(Value workload) {
    return ClusterLoadAssignment.newBuilder()
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    lbEndpoint("10.0.0.1", 80)
                        .setMetadata(
                            io.envoyproxy.envoy.config.core.v3.Metadata.newBuilder()
                                .putFilterMetadata(
                                    "istio",
                                    com.google.protobuf.Struct.newBuilder()
                                        .putFields("workload", workload)
                                        .build()))))
        .build();
  }

  @Test
  void istiodsWorkloadMetadataNamesTheEndpointsWorkload() throws InvalidConfigException {
    dev.jmesh.dataplane.config.Endpoint e =
        ClusterCompiler.endpoints(
                withWorkload(
                    Value.newBuilder().setStringValue("reviews-v2;default;reviews;v2;").build()),
                "")
            .get(0);
    assertThat(e.workload())
        .isEqualTo(new EndpointWorkload("reviews-v2", "default", "reviews", "v2", ""));
    assertThat(
            ClusterCompiler.endpoints(
                    withWorkload(Value.newBuilder().setStringValue("a;b;c;d;e").build()), "")
                .get(0)
                .workload()
                .cluster())
        .isEqualTo("e");
    assertThat(
            ClusterCompiler.endpoints(
                    ClusterLoadAssignment.newBuilder()
                        .addEndpoints(
                            LocalityLbEndpoints.newBuilder()
                                .addLbEndpoints(lbEndpoint("10.0.0.1", 80)))
                        .build(),
                    "")
                .get(0)
                .workload())
        .isNull();
  }

  @Test
  void workloadMetadataOfAnotherShapeLabelsWhatItCanAndRefusesNothing()
      throws InvalidConfigException {
    assertThat(
            ClusterCompiler.endpoints(
                    withWorkload(Value.newBuilder().setStringValue("reviews-v1;default").build()),
                    "")
                .get(0)
                .workload())
        .isEqualTo(new EndpointWorkload("reviews-v1", "default", "", "", ""));
    assertThat(
            ClusterCompiler.endpoints(
                    withWorkload(Value.newBuilder().setNumberValue(1).build()), "")
                .get(0)
                .workload())
        .isNull();
  }
}
