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
import org.openjdk.jmh.annotations.Level;
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
 *
 * <p>In a loop the data path's lines stay in the core's caches; in a real client the library's and
 * the kernel's work between one thread's requests evicts them, and the same request costs several
 * times more. {@code coldDirectRequest} measures that: each op first walks a buffer larger than the
 * core's L2 ({@link Caches}), then times the request alone; {@code timedWarmDirectRequest} times
 * it the same way without the walk.
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

  private long timedNanos;
  private long timedRequests;

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
            (destination, endpoint) -> new InetSocketAddress("127.0.0.1", 1));
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

  /**
   * One request after the caches were emptied, timed alone: the walk takes thirty times longer
   * than the request and its noise would hide it, so the request's own nanoseconds are summed here
   * and printed per iteration as {@code timed request: N ns} (JMH's score includes the walk).
   */
  @Benchmark
  public void coldDirectRequest(Caches caches, Blackhole hole) {
    caches.evict();
    long start = System.nanoTime();
    directRequest(hole);
    timedNanos += System.nanoTime() - start;
    timedRequests++;
  }

  /** The same timing of a request with warm caches, so the two printed numbers compare. */
  @Benchmark
  public void timedWarmDirectRequest(Blackhole hole) {
    long start = System.nanoTime();
    directRequest(hole);
    timedNanos += System.nanoTime() - start;
    timedRequests++;
  }

  @TearDown(Level.Iteration)
  public void printTimed() {
    if (timedRequests > 0) {
      System.out.printf(" timed request: %.0f ns over %d%n", (double) timedNanos / timedRequests,
          timedRequests);
    }
    timedNanos = 0;
    timedRequests = 0;
  }

  /**
   * A buffer to walk before a cold request: 2 MiB, larger than this machine's L2 (1 MiB) and L1.
   * (A walk of 64 MiB, past the last-level cache, made the request 25 µs: most likely the
   * page-table walks of this paravirtualized guest rather than the data path, since a real client
   * on huge pages did not get cheaper; docs/benchmarks-outbound.md, session 24.)
   */
  @State(Scope.Thread)
  public static class Caches {
    private static final int EVICT_BYTES = 2 * 1024 * 1024;

    private final long[] lines = new long[EVICT_BYTES / Long.BYTES];
    private long sum;

    /** Writes one long per cache line of the buffer: its lines come in and the old ones go out. */
    void evict() {
      long[] l = lines;
      long s = sum;
      for (int i = 0; i < l.length; i += 8) {
        l[i] = s++;
      }
      sum = s;
    }
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
