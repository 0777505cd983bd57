package dev.jmesh.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.BoolValue;
import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.jmesh.dataplane.MeshThreads;
import dev.jmesh.dataplane.route.FakeRequest;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A rogue control plane: a real gRPC ADS server on a loopback port, spoken to by the real {@link
 * XdsClient} over the real {@link XdsChannel} into the real {@link MeshSnapshotFeed}. It first
 * serves a good config (service {@code reviews:9080} routed to {@link #GOOD_CLUSTER}), then each
 * test serves one kind of invalid xDS and checks that it is NACKed with an error detail naming the
 * resource and the field, and that the good config stays in force: a request to {@code
 * reviews:9080} is still routed to {@link #GOOD_CLUSTER} with its 1 s connect timeout.
 *
 * <p>Tests run in declaration order on one stream; each leaves the good config in place.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RogueControlPlaneTest {
  private static final String SERVICE = "reviews:9080";
  private static final String ROUTES = "outbound|9080||reviews.routes";
  private static final String GOOD_CLUSTER = "outbound|9080||reviews";

  private FakeAdsServer rogue;
  private XdsChannel channel;
  private MeshSnapshotFeed feed;
  private XdsClient client;

  @BeforeAll
  void serveAGoodConfig() throws Exception {
    rogue = new FakeAdsServer().startOnLoopback();
    channel = XdsChannel.plaintext("127.0.0.1", rogue.port(), MeshThreads.factory("xds-rogue"));
    feed = new MeshSnapshotFeed();
    client =
        XdsClient.newBuilder(
                channel.channel(), XdsClientTest.NODE, feed, MeshThreads.factory("xds-rogue"))
            .backoff(java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(200))
            .build();
    client.start();
    rogue.take(XdsResourceType.CLUSTER);
    rogue.take(XdsResourceType.LISTENER);

    rogue.send(XdsResourceType.CLUSTER, "c1", cluster(GOOD_CLUSTER, 1));
    assertAcked(rogue.take(XdsResourceType.CLUSTER), "c1");
    rogue.send(XdsResourceType.LISTENER, "l1", listener(SERVICE, ROUTES, List.of()));
    assertAcked(rogue.take(XdsResourceType.LISTENER), "l1");
    assertThat(rogue.take(XdsResourceType.ROUTE_CONFIGURATION).getResourceNamesList())
        .as("the listener's routes subscribed to")
        .containsExactly(ROUTES);
    rogue.send(XdsResourceType.ROUTE_CONFIGURATION, "r1", routes(ROUTES, GOOD_CLUSTER, false));
    assertAcked(rogue.take(XdsResourceType.ROUTE_CONFIGURATION), "r1");
    assertGoodConfigInForce();
  }

  /** Drops requests a previous test left unread (a resubscription), so each reads its own. */
  @BeforeEach
  void drain() throws InterruptedException {
    while (rogue.poll(150) != null) {}
  }

  @AfterAll
  void stop() throws Exception {
    client.close();
    channel.close();
    rogue.close();
  }

  @Test
  void aListenerWithAnUnknownRequiredFilterIsNacked() throws Exception {
    HttpFilter lua =
        HttpFilter.newBuilder()
            .setName("envoy.filters.http.lua")
            .setTypedConfig(
                Any.newBuilder()
                    .setTypeUrl("type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua")
                    .setValue(ByteString.copyFromUtf8("\n\u0003end")))
            .build();
    String nonce =
        rogue.send(XdsResourceType.LISTENER, "l2", listener(SERVICE, "elsewhere", List.of(lua)));

    assertNacked(
        rogue.take(XdsResourceType.LISTENER),
        nonce,
        "l1",
        "'" + SERVICE + "'",
        "filter envoy.filters.http.lua",
        "not supported");
    assertGoodConfigInForce();
  }

  @Test
  void aClusterWithANegativeConnectTimeoutIsNacked() throws Exception {
    String nonce = rogue.send(XdsResourceType.CLUSTER, "c2", cluster(GOOD_CLUSTER, -5));

    assertNacked(
        rogue.take(XdsResourceType.CLUSTER),
        nonce,
        "c1",
        "'" + GOOD_CLUSTER + "'",
        "connect_timeout");
    assertGoodConfigInForce();
  }

  /**
   * Envoy checks an RDS route's clusters only when {@code validate_clusters} is set (a route to a
   * missing cluster is otherwise accepted and answered 503 NC per request); jmesh refuses the flag
   * itself, so such a route set never replaces the good one.
   */
  @Test
  void routesThatMustBeValidatedAgainstAMissingClusterAreNacked() throws Exception {
    String nonce =
        rogue.send(
            XdsResourceType.ROUTE_CONFIGURATION, "r2", routes(ROUTES, "outbound|1||missing", true));

    assertNacked(
        rogue.take(XdsResourceType.ROUTE_CONFIGURATION),
        nonce,
        "r1",
        "'" + ROUTES + "'",
        "validate_clusters");
    assertGoodConfigInForce();
  }

  @Test
  void resourcesOfGarbageTypeUrlsAreNacked() throws Exception {
    Any garbage =
        Any.newBuilder()
            .setTypeUrl("type.googleapis.com/evil.Payload")
            .setValue(ByteString.copyFromUtf8("rm -rf /"))
            .build();
    Any undecodable =
        Any.newBuilder()
            .setTypeUrl(XdsResourceType.CLUSTER.typeUrl())
            .setValue(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff}))
            .build();
    String nonce = rogue.send(XdsResourceType.CLUSTER, "c3", List.of(garbage, undecodable));

    DiscoveryRequest nack = rogue.take(XdsResourceType.CLUSTER);
    assertNacked(nack, nonce, "c1", "has type type.googleapis.com/evil.Payload", "does not parse");
    assertThat(nack.getErrorDetail().getMessage()).doesNotContain("rm -rf");
    assertGoodConfigInForce();
  }

  /**
   * A 5 MiB resource: the client takes messages of any size, as Envoy does (a large mesh's CDS
   * exceeds gRPC's 4 MiB default), so the resource is judged like any other — here NACKed for its
   * negative timeout — and the NACK names it without echoing its bulk back.
   */
  @Test
  void aHugeInvalidResourceIsNackedWithoutEchoingIt() throws Exception {
    Cluster huge =
        cluster(GOOD_CLUSTER, -1).toBuilder()
            .setMetadata(
                Metadata.newBuilder()
                    .putFilterMetadata(
                        "rogue",
                        Struct.newBuilder()
                            .putFields(
                                "blob",
                                Value.newBuilder().setStringValue("x".repeat(5 << 20)).build())
                            .build()))
            .build();
    String nonce = rogue.send(XdsResourceType.CLUSTER, "c4", huge);

    DiscoveryRequest nack = rogue.take(XdsResourceType.CLUSTER);
    assertNacked(nack, nonce, "c1", "'" + GOOD_CLUSTER + "'");
    assertThat(nack.getErrorDetail().getMessage()).hasSizeLessThan(2048).doesNotContain("xxxxxxxx");
    assertGoodConfigInForce();
  }

  private void assertGoodConfigInForce() {
    assertThat(feed.current().decide(SERVICE, FakeRequest.get(SERVICE, "/reviews/1"), 0).cluster())
        .isEqualTo(GOOD_CLUSTER);
    assertThat(feed.current().listener(SERVICE).routeConfigName()).isEqualTo(ROUTES);
    assertThat(feed.current().cluster(GOOD_CLUSTER).connectTimeoutNanos())
        .isEqualTo(1_000_000_000L);
  }

  private static void assertAcked(DiscoveryRequest ack, String version) {
    assertThat(ack.getVersionInfo()).isEqualTo(version);
    assertThat(ack.hasErrorDetail()).as(ack.getErrorDetail().getMessage()).isFalse();
  }

  private static void assertNacked(
      DiscoveryRequest nack, String nonce, String keptVersion, String... detail) {
    assertThat(nack.getResponseNonce()).isEqualTo(nonce);
    assertThat(nack.getVersionInfo()).as("the version still in force").isEqualTo(keptVersion);
    assertThat(nack.getErrorDetail().getCode())
        .isEqualTo(io.grpc.Status.Code.INVALID_ARGUMENT.value());
    assertThat(nack.getErrorDetail().getMessage()).contains(detail);
  }

  private static Listener listener(String name, String routes, List<HttpFilter> filters) {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setRds(Rds.newBuilder().setRouteConfigName(routes).setConfigSource(ads()))
            .addAllHttpFilters(filters)
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.router")
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())))
            .build();
    return Listener.newBuilder()
        .setName(name)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
        .build();
  }

  private static RouteConfiguration routes(String name, String cluster, boolean validate) {
    RouteConfiguration.Builder rc =
        RouteConfiguration.newBuilder()
            .setName(name)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("reviews")
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setRoute(RouteAction.newBuilder().setCluster(cluster))));
    if (validate) {
      rc.setValidateClusters(BoolValue.of(true));
    }
    return rc.build();
  }

  private static Cluster cluster(String name, long connectTimeoutSeconds) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads()))
        .setConnectTimeout(Duration.newBuilder().setSeconds(connectTimeoutSeconds))
        .build();
  }

  private static ConfigSource ads() {
    return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();
  }
}
