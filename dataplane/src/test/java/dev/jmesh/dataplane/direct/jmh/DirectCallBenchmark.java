package dev.jmesh.dataplane.direct.jmh;

import dev.jmesh.bootstrap.MeshCall;
import dev.jmesh.bootstrap.MeshHeaders;
import dev.jmesh.bootstrap.MeshRequest;
import dev.jmesh.dataplane.capture.InboundTakeover;
import dev.jmesh.dataplane.capture.MeshCapture;
import dev.jmesh.dataplane.direct.DirectCalls;
import dev.jmesh.dataplane.engine.outbound.MeshFixture;
import dev.jmesh.dataplane.settings.SettingSource;
import dev.jmesh.dataplane.settings.SettingsParser;
import dev.jmesh.dataplane.stats.RequestPaths;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the data path adds to one request on a direct path, as a library drives it: {@code
 * outbound} (find the listener, route, pick one of two endpoints), the request's headers (peer
 * metadata), the attempt's outcome, the response's headers and {@code finish} (recorded into the
 * Istio metrics). Everything but the library's own work. Run with {@code scripts/bench/dataplane
 * DirectCall}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DirectCallBenchmark {

  private static final String LISTENER = "reviews.default.svc.cluster.local:9080";
  private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";
  private static final int ALL =
      MeshCall.CAN_TLS | MeshCall.CAN_RETRY | MeshCall.CAN_REPLY | MeshCall.CAN_DELAY;

  private MeshFixture mesh;
  private DirectCalls direct;
  private final MeshRequest request = new Get();
  private final CountingHeaders headers = new CountingHeaders();

  @Setup
  public void setUp() throws Exception {
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(LISTENER)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("reviews")
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setRoute(RouteAction.newBuilder().setCluster(REVIEWS))))
            .build();
    mesh =
        new MeshFixture()
            .httpListener(LISTENER, routes)
            .cluster(Cluster.newBuilder().setName(REVIEWS), 10001, 10002);
    mesh.start();
    Map<String, String> env = Map.of("MESH_SERVICE", "productpage", "MESH_NAMESPACE", "default");
    MeshCapture capture =
        new MeshCapture(
            SettingsParser.parse(new SettingSource(Map.of(), Map.of(), env)),
            () -> mesh.snapshot,
            timeout -> true,
            Duration.ofSeconds(1),
            new NoTakeover(),
            destination -> new InetSocketAddress("127.0.0.1", 1));
    direct = new DirectCalls(mesh.context, capture, new RequestPaths());
  }

  @TearDown
  public void tearDown() {
    mesh.close();
  }

  @Benchmark
  public void directRequest(Blackhole hole) {
    MeshCall call = direct.outbound("bench", ALL, request);
    hole.consume(call.endpoint());
    call.requestHeaders(headers);
    hole.consume(call.attemptEnded(200, -1, MeshCall.NO_FAILURE));
    call.responseHeaders(headers);
    call.finish(200, -1, 1024, 0);
  }

  /** {@code GET http://reviews:9080/reviews/1}, as an application writes it. */
  private static final class Get implements MeshRequest {
    @Override
    public String method() {
      return "GET";
    }

    @Override
    public String host() {
      return "reviews";
    }

    @Override
    public int port() {
      return 9080;
    }

    @Override
    public String path() {
      return "/reviews/1";
    }

    @Override
    public String header(String lowerCaseName) {
      return null;
    }
  }

  /** A library's headers reduced to what costs nothing: the values are dropped. */
  private static final class CountingHeaders implements MeshHeaders {
    long writes;

    @Override
    public boolean contains(String name) {
      return false;
    }

    @Override
    public void set(String name, String value) {
      writes += value.length();
    }

    @Override
    public void add(String name, String value) {
      writes += value.length();
    }

    @Override
    public void remove(String name) {}
  }

  private static final class NoTakeover implements InboundTakeover {
    @Override
    public java.io.Closeable takeOver(InetSocketAddress declared, InetSocketAddress application) {
      throw new UnsupportedOperationException("not in this benchmark");
    }

    @Override
    public boolean isEngineConnection(InetSocketAddress remote) {
      return false;
    }
  }
}
