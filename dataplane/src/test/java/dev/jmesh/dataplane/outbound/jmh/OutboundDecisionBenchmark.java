package dev.jmesh.dataplane.outbound.jmh;

import com.google.protobuf.Any;
import dev.jmesh.dataplane.cluster.UpstreamClusters;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.outbound.Exchange;
import dev.jmesh.dataplane.outbound.OutboundRouter;
import dev.jmesh.dataplane.outbound.TrafficEdges;
import dev.jmesh.dataplane.record.WorkloadLabels;
import dev.jmesh.dataplane.route.RequestView;
import dev.jmesh.dataplane.route.UpstreamFailure;
import dev.jmesh.dataplane.route.jmh.RouteDecisionBenchmark;
import dev.jmesh.dataplane.stats.IstioMetrics;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The whole outbound decision — route (50 virtual hosts × 20 routes with two header matchers each),
 * circuit breaker, host pick among 10 endpoints, outcome — through {@link OutboundRouter}, with and
 * without recording into the Istio metrics. Run by hand (see {@code docs/benchmarks.md}):
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/bench-classpath.txt)" \
 *     org.openjdk.jmh.Main OutboundDecisionBenchmark -prof gc
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class OutboundDecisionBenchmark {

  private static final String LISTENER = "outbound:80";

  private UpstreamClusters clusters;
  private OutboundRouter decideOnly;
  private OutboundRouter decideAndRecord;
  private final Exchange exchange = new Exchange();
  private RequestView lastRoute;
  private RequestView weighted;
  private long random = 1;

  @Setup
  public void setUp() {
    RouteConfiguration routes = RouteDecisionBenchmark.routes();
    Set<String> clusterNames = new LinkedHashSet<>();
    for (VirtualHost vh : routes.getVirtualHostsList()) {
      for (Route r : vh.getRoutesList()) {
        if (r.getRoute().hasWeightedClusters()) {
          r.getRoute()
              .getWeightedClusters()
              .getClustersList()
              .forEach(c -> clusterNames.add(c.getName()));
        } else {
          clusterNames.add(r.getRoute().getCluster());
        }
      }
    }
    ConfigSource ads =
        ConfigSource.newBuilder().setAds(AggregatedConfigSource.getDefaultInstance()).build();
    List<Cluster> cs = new ArrayList<>();
    List<ClusterLoadAssignment> assignments = new ArrayList<>();
    for (String name : clusterNames) {
      cs.add(
          Cluster.newBuilder()
              .setName(name)
              .setType(Cluster.DiscoveryType.EDS)
              .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
              .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads))
              .build());
      LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
      for (int i = 1; i <= 10; i++) {
        l.addLbEndpoints(
            LbEndpoint.newBuilder()
                .setEndpoint(
                    Endpoint.newBuilder()
                        .setAddress(
                            Address.newBuilder()
                                .setSocketAddress(
                                    SocketAddress.newBuilder()
                                        .setAddress("10.0.0." + i)
                                        .setPortValue(80)))));
      }
      assignments.add(
          ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(l).build());
    }
    Listener listener =
        Listener.newBuilder()
            .setName(LISTENER)
            .setApiListener(
                ApiListener.newBuilder()
                    .setApiListener(
                        Any.pack(
                            HttpConnectionManager.newBuilder()
                                .setRds(
                                    Rds.newBuilder().setRouteConfigName("80").setConfigSource(ads))
                                .build())))
            .build();
    MeshSnapshot.Compilation c =
        MeshSnapshot.compile(List.of(listener), List.of(routes), cs, assignments);
    if (!c.rejections().isEmpty()) {
      throw new IllegalStateException(c.rejections().toString());
    }
    MeshSnapshot snapshot = c.snapshot();
    clusters = new UpstreamClusters();
    clusters.update(snapshot);
    TrafficEdges edges = new TrafficEdges(WorkloadLabels.builder().workload("bench").build());
    decideOnly = new OutboundRouter(() -> snapshot, clusters, null, edges);
    decideAndRecord = new OutboundRouter(() -> snapshot, clusters, new IstioMetrics(), edges);
    lastRoute =
        new RouteDecisionBenchmark.ArrayRequest(
            "svc-49:80", "/api/v18/items", "accept", "*/*", "x-version", "v18", "x-user", "user-7");
    weighted =
        new RouteDecisionBenchmark.ArrayRequest(
            "svc-7.default",
            "/api/v19/items",
            "accept",
            "*/*",
            "x-version",
            "v19",
            "x-user",
            "user-7");
    decideOnly.decide(LISTENER, lastRoute, "10.9.0.1", 1, exchange);
    if (exchange.action() != Exchange.Action.FORWARD) {
      throw new IllegalStateException("expected FORWARD, got " + exchange.action());
    }
    exchange.attemptEnded(200, -1, UpstreamFailure.NONE);
    exchange.finish(200, -1, 0, 0, 0);
  }

  @TearDown
  public void tearDown() {
    clusters.close();
  }

  private Exchange cycle(OutboundRouter router, RequestView request) {
    router.decide(LISTENER, request, "10.9.0.1", random++, exchange);
    exchange.attemptEnded(200, -1, UpstreamFailure.NONE);
    exchange.finish(200, -1, 120, 2048, System.nanoTime());
    return exchange;
  }

  /** Route to the 19th route of the 50th virtual host, pick a host, report 200. */
  @Benchmark
  public Exchange decideNineteenthRoute() {
    return cycle(decideOnly, lastRoute);
  }

  /** As above on a route splitting 90/10 between two clusters. */
  @Benchmark
  public Exchange decideWeightedRoute() {
    return cycle(decideOnly, weighted);
  }

  /** The decision and the outcome recorded into the Istio metrics. */
  @Benchmark
  public Exchange decideAndRecordNineteenthRoute() {
    return cycle(decideAndRecord, lastRoute);
  }
}
