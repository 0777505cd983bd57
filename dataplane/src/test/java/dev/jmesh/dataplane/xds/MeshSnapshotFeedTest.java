package dev.jmesh.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.BoolValue;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MeshSnapshotFeedTest {
  private final MeshSnapshotFeed feed = new MeshSnapshotFeed();

  @Test
  void aRejectedRouteKeepsItsLastGoodVersionWhileTheOthersApply() {
    XdsVerdict first =
        feed.onResources(
            XdsResourceType.ROUTE_CONFIGURATION,
            Map.of("r1", route("r1", "c1", false), "r2", route("r2", "c2", false)));
    assertThat(first.isAccepted()).isTrue();
    assertThat(feed.current().routeTable("r1")).isNotNull();

    XdsVerdict second =
        feed.onResources(
            XdsResourceType.ROUTE_CONFIGURATION,
            Map.of(
                "r1", route("r1", "c1-new", true),
                "r2", route("r2", "c2", false),
                "r3", route("r3", "c3", true)));

    assertThat(second.rejections()).containsOnlyKeys("r1", "r3");
    assertThat(second.rejections().get("r1")).contains("validate_clusters");
    assertThat(feed.current().routeTable("r1")).as("last good r1").isNotNull();
    assertThat(feed.current().routeTable("r2")).isNotNull();
    assertThat(feed.current().routeTable("r3")).as("never good").isNull();
  }

  @Test
  void readyOnceListenersClustersAndWhatTheyReferToHaveArrived() throws Exception {
    feed.onResources(
        XdsResourceType.LISTENER,
        Map.<String, Message>of("reviews:9080", XdsClientTest.listener("reviews:9080", "r1")));
    feed.onResources(
        XdsResourceType.CLUSTER,
        Map.<String, Message>of("c1", XdsClientTest.edsCluster("c1", "")));
    feed.onResources(
        XdsResourceType.ROUTE_CONFIGURATION,
        Map.<String, Message>of("r1", route("r1", "c1", false)));
    assertThat(feed.isReady()).as("endpoints of c1 still missing").isFalse();
    assertThat(feed.current().listener("reviews:9080")).isNotNull();

    feed.onResources(
        XdsResourceType.CLUSTER_LOAD_ASSIGNMENT,
        Map.<String, Message>of("c1", XdsClientTest.endpoints("c1")));

    assertThat(feed.awaitReady(Duration.ZERO)).isTrue();
    assertThat(feed.current().cluster("c1")).isNotNull();
  }

  private static RouteConfiguration route(String name, String cluster, boolean unsupported) {
    RouteConfiguration.Builder rc =
        RouteConfiguration.newBuilder()
            .setName(name)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName(name + "-vh")
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setRoute(RouteAction.newBuilder().setCluster(cluster))));
    if (unsupported) {
      rc.setValidateClusters(BoolValue.of(true));
    }
    return rc.build();
  }
}
