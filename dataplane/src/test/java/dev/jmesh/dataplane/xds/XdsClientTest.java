package dev.jmesh.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import com.google.protobuf.Message;
import dev.jmesh.dataplane.MeshThreads;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ManagedChannel;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class XdsClientTest {
  static final NodeInfo NODE =
      new NodeInfo(
          "reviews-1~10.0.0.7",
          "reviews",
          "eu-west1",
          "eu-west1-b",
          "",
          "reviews",
          "shop",
          Map.of("version", "v2"),
          Map.of("INSTANCE_IPS", "10.0.0.7"));

  private FakeAdsServer server;
  private ManagedChannel channel;
  private RecordingHandler handler;
  private XdsClient client;

  @BeforeEach
  void start() throws Exception {
    server = new FakeAdsServer().start();
    channel = server.channel();
    handler = new RecordingHandler();
    client =
        XdsClient.newBuilder(channel, NODE, handler, MeshThreads.factory("xds-test"))
            .backoff(java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(200))
            .build();
    client.start();
  }

  @AfterEach
  void stop() throws Exception {
    client.close();
    channel.shutdownNow();
    server.close();
  }

  @Test
  void subscribesToClustersAndListenersByWildcardWithTheNodeFirst() throws Exception {
    DiscoveryRequest cds = server.take();
    assertThat(cds.getTypeUrl()).isEqualTo(XdsResourceType.CLUSTER.typeUrl());
    assertThat(cds.getResourceNamesList()).isEmpty();
    assertThat(cds.getVersionInfo()).isEmpty();
    assertThat(cds.getResponseNonce()).isEmpty();
    assertThat(cds.getNode()).isEqualTo(NODE.toNode());

    DiscoveryRequest lds = server.take();
    assertThat(lds.getTypeUrl()).isEqualTo(XdsResourceType.LISTENER.typeUrl());
    assertThat(lds.getResourceNamesList()).isEmpty();
    assertThat(lds.hasNode()).as("node only on the first request of a stream").isFalse();
  }

  @Test
  void nodeCarriesIdClusterLocalityAndMetadata() {
    Node node = NODE.toNode();
    assertThat(node.getId()).isEqualTo("reviews-1~10.0.0.7");
    assertThat(node.getCluster()).isEqualTo("reviews");
    assertThat(node.getLocality().getRegion()).isEqualTo("eu-west1");
    assertThat(node.getLocality().getZone()).isEqualTo("eu-west1-b");
    Map<String, com.google.protobuf.Value> md = node.getMetadata().getFieldsMap();
    assertThat(md.get("MESH_SERVICE").getStringValue()).isEqualTo("reviews");
    assertThat(md.get("NAMESPACE").getStringValue()).isEqualTo("shop");
    assertThat(md.get("INSTANCE_IPS").getStringValue()).isEqualTo("10.0.0.7");
    assertThat(md.get("LABELS").getStructValue().getFieldsMap().get("version").getStringValue())
        .isEqualTo("v2");
  }

  @Test
  void acksWithTheNewVersionAndTheResponseNonce() throws Exception {
    openStream();
    String nonce = server.send(XdsResourceType.LISTENER, "v1", listener("reviews:9080", null));

    RecordingHandler.Delivery delivery = handler.take(XdsResourceType.LISTENER);
    assertThat(delivery.resources()).containsOnlyKeys("reviews:9080");
    assertThat(delivery.thread().getName()).startsWith("jmesh-xds-test-");
    assertThat(delivery.thread().isDaemon()).isTrue();

    DiscoveryRequest ack = server.take();
    assertThat(ack.getTypeUrl()).isEqualTo(XdsResourceType.LISTENER.typeUrl());
    assertThat(ack.getVersionInfo()).isEqualTo("v1");
    assertThat(ack.getResponseNonce()).isEqualTo(nonce);
    assertThat(ack.hasErrorDetail()).isFalse();
    assertThat(client.isConnected()).isTrue();
  }

  @Test
  void nacksWithErrorDetailAndThePreviousVersion() throws Exception {
    handler.rejectWhen(XdsClientTest::negativeConnectTimeout);
    openStream();
    server.send(XdsResourceType.CLUSTER, "v1", cluster("outbound|9080||reviews", 1));
    assertThat(server.take().getVersionInfo()).isEqualTo("v1");

    String nonce = server.send(XdsResourceType.CLUSTER, "v2", cluster("outbound|9080||reviews", -1));

    DiscoveryRequest nack = server.take();
    assertThat(nack.getVersionInfo()).isEqualTo("v1");
    assertThat(nack.getResponseNonce()).isEqualTo(nonce);
    assertThat(nack.getErrorDetail().getCode()).isEqualTo(3);
    assertThat(nack.getErrorDetail().getMessage())
        .contains("outbound|9080||reviews")
        .contains("connect_timeout");
    assertThat(handler.applied(XdsResourceType.CLUSTER))
        .containsEntry("outbound|9080||reviews", cluster("outbound|9080||reviews", 1));
    XdsTypeStatus status = client.status().get(XdsResourceType.CLUSTER);
    assertThat(status.acceptedVersion()).isEqualTo("v1");
    assertThat(status.resources()).isEqualTo(1);
    assertThat(status.lastRejection()).contains("connect_timeout");

    server.send(XdsResourceType.CLUSTER, "v3", cluster("outbound|9080||reviews", 2));
    assertThat(server.take().getVersionInfo()).isEqualTo("v3");
    assertThat(client.status().get(XdsResourceType.CLUSTER).lastRejection()).isEmpty();
  }

  @Test
  void appliesTheGoodResourcesOfAPartlyBadResponse() throws Exception {
    handler.rejectWhen(XdsClientTest::negativeConnectTimeout);
    openStream();
    server.send(XdsResourceType.CLUSTER, "v1", cluster("good", 1), cluster("bad", -1));

    DiscoveryRequest nack = server.take();
    assertThat(nack.getVersionInfo()).isEmpty();
    assertThat(nack.getErrorDetail().getMessage()).contains("'bad'").doesNotContain("'good'");
    assertThat(handler.applied(XdsResourceType.CLUSTER)).containsOnlyKeys("good");

    server.send(XdsResourceType.CLUSTER, "v2", cluster("good", 1), cluster("bad", 2));
    DiscoveryRequest ack = server.take();
    assertThat(ack.getVersionInfo()).isEqualTo("v2");
    assertThat(ack.hasErrorDetail()).isFalse();
    assertThat(handler.applied(XdsResourceType.CLUSTER)).containsOnlyKeys("good", "bad");
  }

  @Test
  void anUnparsableResourceIsNackedAndTheOthersApplied() throws Exception {
    openStream();
    Any garbage =
        Any.newBuilder()
            .setTypeUrl(XdsResourceType.CLUSTER.typeUrl())
            .setValue(ByteString.copyFrom(new byte[] {0x0a, 0x05, 0x61}))
            .build();
    server.send(XdsResourceType.CLUSTER, "v1", List.of(Any.pack(cluster("good", 1)), garbage));

    DiscoveryRequest nack = server.take();
    assertThat(nack.getVersionInfo()).isEmpty();
    assertThat(nack.getErrorDetail().getMessage()).contains("resource #1", "does not parse");
    assertThat(handler.applied(XdsResourceType.CLUSTER)).containsOnlyKeys("good");
  }

  @Test
  void routeNamesFollowTheListeners() throws Exception {
    openStream();
    server.send(
        XdsResourceType.LISTENER,
        "l1",
        listener("reviews:9080", "route-reviews"),
        listener("ratings:9080", "route-ratings"));
    assertThat(server.take().getVersionInfo()).isEqualTo("l1");
    DiscoveryRequest rds = server.take();
    assertThat(rds.getTypeUrl()).isEqualTo(XdsResourceType.ROUTE_CONFIGURATION.typeUrl());
    assertThat(rds.getResourceNamesList()).containsExactly("route-ratings", "route-reviews");

    String rdsNonce =
        server.send(
            XdsResourceType.ROUTE_CONFIGURATION,
            "r1",
            route("route-reviews"),
            route("route-ratings"),
            route("route-never-asked-for"));
    assertThat(handler.take(XdsResourceType.ROUTE_CONFIGURATION).resources())
        .containsOnlyKeys("route-reviews", "route-ratings");
    assertThat(server.take().getVersionInfo()).isEqualTo("r1");

    server.send(XdsResourceType.LISTENER, "l2", listener("reviews:9080", "route-reviews"));
    assertThat(server.take().getVersionInfo()).isEqualTo("l2");
    DiscoveryRequest narrowed = server.take();
    assertThat(narrowed.getResourceNamesList()).containsExactly("route-reviews");
    assertThat(narrowed.getVersionInfo()).isEqualTo("r1");
    assertThat(narrowed.getResponseNonce()).isEqualTo(rdsNonce);
    assertThat(handler.take(XdsResourceType.ROUTE_CONFIGURATION).resources())
        .containsOnlyKeys("route-reviews");

    server.send(XdsResourceType.LISTENER, "l3");
    assertThat(server.take().getVersionInfo()).isEqualTo("l3");
    assertThat(server.take().getResourceNamesList()).as("unsubscribed from all routes").isEmpty();
  }

  @Test
  void endpointNamesFollowTheEdsClusters() throws Exception {
    openStream();
    server.send(
        XdsResourceType.CLUSTER,
        "c1",
        edsCluster("outbound|9080||reviews", ""),
        edsCluster("outbound|9080||ratings", "ratings-eds"),
        cluster("static", 1));
    assertThat(server.take().getVersionInfo()).isEqualTo("c1");
    DiscoveryRequest eds = server.take();
    assertThat(eds.getTypeUrl()).isEqualTo(XdsResourceType.CLUSTER_LOAD_ASSIGNMENT.typeUrl());
    assertThat(eds.getResourceNamesList()).containsExactly("outbound|9080||reviews", "ratings-eds");
  }

  @Test
  void reconnectsWithBackoffAndKeepsTheLastGoodConfig() throws Exception {
    openStream();
    server.send(XdsResourceType.CLUSTER, "c1", edsCluster("reviews", ""));
    server.take(XdsResourceType.CLUSTER);
    server.take(XdsResourceType.CLUSTER_LOAD_ASSIGNMENT);
    server.send(XdsResourceType.CLUSTER_LOAD_ASSIGNMENT, "e1", endpoints("reviews"));
    server.take(XdsResourceType.CLUSTER_LOAD_ASSIGNMENT);
    server.send(XdsResourceType.LISTENER, "l1", listener("reviews:9080", null));
    server.take(XdsResourceType.LISTENER);
    handler.take(XdsResourceType.LISTENER);

    server.kill();
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (client.isConnected() && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(client.isConnected()).isFalse();
    assertThat(handler.poll(300)).as("nothing new while disconnected").isNull();
    assertThat(handler.applied(XdsResourceType.CLUSTER)).containsOnlyKeys("reviews");
    assertThat(handler.applied(XdsResourceType.CLUSTER_LOAD_ASSIGNMENT)).containsOnlyKeys("reviews");
    assertThat(handler.applied(XdsResourceType.LISTENER)).containsOnlyKeys("reviews:9080");

    server.start();
    DiscoveryRequest cds = server.take();
    assertThat(server.streams()).isEqualTo(2);
    assertThat(cds.getTypeUrl()).isEqualTo(XdsResourceType.CLUSTER.typeUrl());
    assertThat(cds.getVersionInfo()).isEqualTo("c1");
    assertThat(cds.getResponseNonce()).isEmpty();
    assertThat(cds.getNode()).isEqualTo(NODE.toNode());
    DiscoveryRequest eds = server.take();
    assertThat(eds.getTypeUrl()).isEqualTo(XdsResourceType.CLUSTER_LOAD_ASSIGNMENT.typeUrl());
    assertThat(eds.getVersionInfo()).isEqualTo("e1");
    assertThat(eds.getResourceNamesList()).containsExactly("reviews");
    DiscoveryRequest lds = server.take();
    assertThat(lds.getTypeUrl()).isEqualTo(XdsResourceType.LISTENER.typeUrl());
    assertThat(lds.getVersionInfo()).isEqualTo("l1");

    String nonce = server.send(XdsResourceType.CLUSTER, "c1", edsCluster("reviews", ""));
    DiscoveryRequest ack = server.take();
    assertThat(ack.getResponseNonce()).isEqualTo(nonce);
    assertThat(handler.poll(100)).as("the same clusters again are not redelivered").isNull();
    assertThat(client.isConnected()).isTrue();
  }

  @Test
  void aChangedNodeIsSentAgainOnTheOpenStream() throws Exception {
    openStream();
    String nonce = server.send(XdsResourceType.LISTENER, "v1", listener("reviews:9080", null));
    server.take(XdsResourceType.LISTENER);
    NodeInfo ready =
        new NodeInfo(
            NODE.id(),
            NODE.cluster(),
            NODE.region(),
            NODE.zone(),
            NODE.subZone(),
            NODE.service(),
            NODE.namespace(),
            NODE.labels(),
            Map.of("INSTANCE_IPS", "10.0.0.7", "MESH_READY", "true"));

    client.updateNode(ready);

    DiscoveryRequest request = server.take();
    assertThat(request.getNode()).isEqualTo(ready.toNode());
    assertThat(request.getTypeUrl()).isEqualTo(XdsResourceType.LISTENER.typeUrl());
    assertThat(request.getVersionInfo()).isEqualTo("v1");
    assertThat(request.getResponseNonce()).isEqualTo(nonce);
    client.updateNode(ready);
    assertThat(server.poll(100)).as("an unchanged node is not sent again").isNull();
  }

  @Test
  void closeEndsTheStreamForGood() throws Exception {
    openStream();
    server.send(XdsResourceType.LISTENER, "v1", listener("reviews:9080", null));
    server.take(XdsResourceType.LISTENER);

    client.close();

    assertThat(server.awaitStreamEnd()).isTrue();
    assertThat(server.poll(200)).as("no reconnect after close").isNull();
    assertThat(server.streams()).isEqualTo(1);
    assertThat(client.isConnected()).isFalse();
  }

  @Test
  void reconnectAttemptsBackOffExponentially() throws Exception {
    client.close();
    // Every delay at its ceiling: 20, 40, 80, 160, 200, 200 ms...
    client =
        XdsClient.newBuilder(channel, NODE, handler, MeshThreads.factory("xds-test"))
            .backoff(java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(200))
            .random(new AlwaysLongest())
            .build();
    server.kill();
    client.start();

    Thread.sleep(700);

    // Without backoff it would be thousands; with it, six at most in 700 ms.
    assertThat(client.attempts()).isBetween(2, 7);
    assertThat(client.isConnected()).isFalse();
  }

  /** Draws the largest value allowed, so backoff delays are their ceilings. */
  private static final class AlwaysLongest implements java.util.random.RandomGenerator {
    @Override
    public long nextLong() {
      return Long.MAX_VALUE;
    }

    @Override
    public long nextLong(long bound) {
      return bound - 1;
    }
  }

  /** Takes the two requests every stream opens with. */
  private void openStream() throws InterruptedException {
    server.take(XdsResourceType.CLUSTER);
    server.take(XdsResourceType.LISTENER);
  }

  private static String negativeConnectTimeout(String name, Message resource) {
    return resource instanceof Cluster c && c.getConnectTimeout().getSeconds() < 0
        ? "connect_timeout: must not be negative"
        : null;
  }

  static Listener listener(String name, String routeName) {
    HttpConnectionManager.Builder hcm = HttpConnectionManager.newBuilder();
    if (routeName != null) {
      hcm.setRds(Rds.newBuilder().setRouteConfigName(routeName).setConfigSource(ads()));
    }
    return Listener.newBuilder()
        .setName(name)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm.build())))
        .build();
  }

  static RouteConfiguration route(String name) {
    return RouteConfiguration.newBuilder().setName(name).build();
  }

  static Cluster cluster(String name, long connectTimeoutSeconds) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.STATIC)
        .setConnectTimeout(Duration.newBuilder().setSeconds(connectTimeoutSeconds))
        .build();
  }

  static Cluster edsCluster(String name, String serviceName) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setEdsClusterConfig(
            Cluster.EdsClusterConfig.newBuilder().setServiceName(serviceName).setEdsConfig(ads()))
        .build();
  }

  static ClusterLoadAssignment endpoints(String name) {
    return ClusterLoadAssignment.newBuilder().setClusterName(name).build();
  }

  private static ConfigSource ads() {
    return ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();
  }
}
