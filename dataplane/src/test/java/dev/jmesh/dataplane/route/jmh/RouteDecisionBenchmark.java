package dev.jmesh.dataplane.route.jmh;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.route.RequestView;
import dev.jmesh.dataplane.route.RouteDecision;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.Locale;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Routing one request through a listener whose route configuration has 50 virtual hosts of 20
 * routes each, every route with two header matchers. Run by hand, never by the build:
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat cp.txt)" org.openjdk.jmh.Main \
 *     RouteDecisionBenchmark -f1 -wi 2 -i 3 -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouteDecisionBenchmark {

  static final int HOSTS = 50;
  static final int ROUTES = 20;
  static final String LISTENER = "outbound:80";

  private MeshSnapshot snapshot;
  private RequestView firstRoute;
  private RequestView lastRoute;
  private RequestView weighted;
  private RequestView noRoute;
  private long random;

  /**
   * A request over arrays, as an HTTP client's own header list would be. Names are lower-cased
   * once, so a lookup (always by a lower-case name) is a plain {@code equals}.
   */
  public static final class ArrayRequest implements RequestView {
    private final String authority;
    private final String path;
    private final String[] names;
    private final String[] values;

    public ArrayRequest(String authority, String path, String... namesAndValues) {
      this.authority = authority;
      this.path = path;
      names = new String[namesAndValues.length / 2];
      values = new String[namesAndValues.length / 2];
      for (int i = 0; i < names.length; i++) {
        names[i] = namesAndValues[2 * i].toLowerCase(Locale.ROOT);
        values[i] = namesAndValues[2 * i + 1];
      }
    }

    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String authority() {
      return authority;
    }

    @Override
    public String path() {
      return path;
    }

    @Override
    public String header(String lowerCaseName) {
      for (int i = 0; i < names.length; i++) {
        if (names[i].equals(lowerCaseName)) {
          return values[i];
        }
      }
      return null;
    }
  }

  public static RouteConfiguration routes() {
    RouteConfiguration.Builder rc = RouteConfiguration.newBuilder().setName("80");
    for (int h = 0; h < HOSTS; h++) {
      String svc = "svc-" + h;
      VirtualHost.Builder vh =
          VirtualHost.newBuilder()
              .setName(svc + ".default.svc.cluster.local:80")
              .addAllDomains(
                  List.of(
                      svc,
                      svc + ":80",
                      svc + ".default",
                      svc + ".default:80",
                      svc + ".default.svc.cluster.local",
                      svc + ".default.svc.cluster.local:80"));
      for (int r = 0; r < ROUTES; r++) {
        RouteAction.Builder action;
        if (r == ROUTES - 1) {
          action =
              RouteAction.newBuilder()
                  .setWeightedClusters(
                      WeightedCluster.newBuilder()
                          .addClusters(
                              WeightedCluster.ClusterWeight.newBuilder()
                                  .setName(svc + "-v1")
                                  .setWeight(UInt32Value.of(90)))
                          .addClusters(
                              WeightedCluster.ClusterWeight.newBuilder()
                                  .setName(svc + "-v2")
                                  .setWeight(UInt32Value.of(10))));
        } else {
          action = RouteAction.newBuilder().setCluster(svc + "-r" + r);
        }
        vh.addRoutes(
            Route.newBuilder()
                .setName("r" + r)
                .setMatch(
                    RouteMatch.newBuilder()
                        .setPrefix("/api/v" + r + "/")
                        .addHeaders(
                            HeaderMatcher.newBuilder()
                                .setName("x-version")
                                .setStringMatch(StringMatcher.newBuilder().setExact("v" + r)))
                        .addHeaders(
                            HeaderMatcher.newBuilder()
                                .setName("x-user")
                                .setStringMatch(
                                    StringMatcher.newBuilder()
                                        .setPrefix("user-")
                                        .setIgnoreCase(true))))
                .setRoute(action));
      }
      rc.addVirtualHosts(vh);
    }
    return rc.build();
  }

  @Setup
  public void setUp() {
    Listener listener =
        Listener.newBuilder()
            .setName(LISTENER)
            .setApiListener(
                ApiListener.newBuilder()
                    .setApiListener(
                        Any.pack(
                            HttpConnectionManager.newBuilder()
                                .setRds(
                                    Rds.newBuilder()
                                        .setRouteConfigName("80")
                                        .setConfigSource(
                                            ConfigSource.newBuilder()
                                                .setAds(
                                                    AggregatedConfigSource.getDefaultInstance())))
                                .build())))
            .build();
    MeshSnapshot.Compilation c =
        MeshSnapshot.compile(List.of(listener), List.of(routes()), List.of(), List.of());
    if (!c.rejections().isEmpty()) {
      throw new IllegalStateException(c.rejections().toString());
    }
    snapshot = c.snapshot();
    firstRoute =
        new ArrayRequest(
            "svc-25.default.svc.cluster.local:80",
            "/api/v0/items?page=2",
            "accept",
            "*/*",
            "x-version",
            "v0",
            "x-user",
            "USER-7");
    lastRoute =
        new ArrayRequest(
            "svc-49:80", "/api/v18/items", "accept", "*/*", "x-version", "v18", "x-user", "user-7");
    weighted =
        new ArrayRequest(
            "svc-7.default",
            "/api/v19/items",
            "accept",
            "*/*",
            "x-version",
            "v19",
            "x-user",
            "user-7");
    noRoute =
        new ArrayRequest("svc-3", "/other", "accept", "*/*", "x-version", "v1", "x-user", "user-7");
    check(firstRoute, "svc-25-r0");
    check(lastRoute, "svc-49-r18");
    check(weighted, "svc-7-v1");
    if (snapshot.decide(LISTENER, noRoute, 0) != RouteDecision.NO_ROUTE) {
      throw new IllegalStateException("noRoute matched");
    }
  }

  private void check(RequestView request, String cluster) {
    String got = snapshot.decide(LISTENER, request, 0).cluster();
    if (!cluster.equals(got)) {
      throw new IllegalStateException("expected " + cluster + ", got " + got);
    }
  }

  @Benchmark
  public RouteDecision firstRouteOfAVirtualHost() {
    return snapshot.decide(LISTENER, firstRoute, random++);
  }

  @Benchmark
  public RouteDecision nineteenthRoute() {
    return snapshot.decide(LISTENER, lastRoute, random++);
  }

  @Benchmark
  public RouteDecision weightedClustersOnTheLastRoute() {
    return snapshot.decide(LISTENER, weighted, random++);
  }

  @Benchmark
  public RouteDecision noRouteAfterTwentyMisses() {
    return snapshot.decide(LISTENER, noRoute, random++);
  }
}
