package dev.jmesh.dataplane.cluster.jmh;

import com.google.protobuf.UInt32Value;
import dev.jmesh.dataplane.cluster.Host;
import dev.jmesh.dataplane.cluster.UpstreamCluster;
import dev.jmesh.dataplane.cluster.UpstreamClusters;
import dev.jmesh.dataplane.config.MeshSnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
 * Picking one host of a 1,000-endpoint cluster with each balancer, as the data path does per
 * request. Hosts carry 0–3 active requests. Run by hand, never by the build:
 *
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat cp.txt)" org.openjdk.jmh.Main \
 *     ClusterPickBenchmark -f1 -wi 2 -i 3 -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ClusterPickBenchmark {

  static final int ENDPOINTS = 1000;

  private UpstreamClusters clusters;
  private UpstreamCluster leastRequest;
  private UpstreamCluster leastRequestWeighted;
  private UpstreamCluster roundRobin;
  private UpstreamCluster roundRobinWeighted;
  private UpstreamCluster ringHash;
  private UpstreamCluster maglev;
  private long random = 42;

  private static Cluster cluster(String name, Cluster.LbPolicy policy, boolean weighted) {
    LocalityLbEndpoints.Builder l = LocalityLbEndpoints.newBuilder();
    for (int i = 0; i < ENDPOINTS; i++) {
      l.addLbEndpoints(
          LbEndpoint.newBuilder()
              .setLoadBalancingWeight(UInt32Value.of(weighted ? 1 + i % 7 : 1))
              .setEndpoint(
                  Endpoint.newBuilder()
                      .setAddress(
                          Address.newBuilder()
                              .setSocketAddress(
                                  SocketAddress.newBuilder()
                                      .setAddress("10." + (i / 250) + ".0." + (i % 250 + 1))
                                      .setPortValue(8080)))));
    }
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.STATIC)
        .setLbPolicy(policy)
        .setLoadAssignment(ClusterLoadAssignment.newBuilder().setClusterName(name).addEndpoints(l))
        .build();
  }

  @Setup
  public void setUp() {
    List<Cluster> cds = new ArrayList<>();
    cds.add(cluster("lr", Cluster.LbPolicy.LEAST_REQUEST, false));
    cds.add(cluster("lr-weighted", Cluster.LbPolicy.LEAST_REQUEST, true));
    cds.add(cluster("rr", Cluster.LbPolicy.ROUND_ROBIN, false));
    cds.add(cluster("rr-weighted", Cluster.LbPolicy.ROUND_ROBIN, true));
    cds.add(cluster("ring", Cluster.LbPolicy.RING_HASH, false));
    cds.add(cluster("maglev", Cluster.LbPolicy.MAGLEV, false));
    MeshSnapshot.Compilation c = MeshSnapshot.compile(List.of(), List.of(), cds, List.of());
    if (!c.rejections().isEmpty()) {
      throw new IllegalStateException(c.rejections().toString());
    }
    clusters = new UpstreamClusters();
    clusters.update(c.snapshot());
    leastRequest = clusters.cluster("lr");
    leastRequestWeighted = clusters.cluster("lr-weighted");
    roundRobin = clusters.cluster("rr");
    roundRobinWeighted = clusters.cluster("rr-weighted");
    ringHash = clusters.cluster("ring");
    maglev = clusters.cluster("maglev");
    SplittableRandom rnd = new SplittableRandom(7);
    for (UpstreamCluster cluster : List.of(leastRequest, leastRequestWeighted)) {
      for (Host h : cluster.hosts()) {
        for (int i = rnd.nextInt(4); i > 0; i--) {
          h.requestStarted();
        }
      }
    }
  }

  @TearDown
  public void tearDown() {
    clusters.close();
  }

  /** A fresh random number per pick without a shared generator: a Weyl sequence. */
  private long next() {
    return random += 0x9E3779B97F4A7C15L;
  }

  @Benchmark
  public Host leastRequest() {
    return leastRequest.pick(0, false, next());
  }

  @Benchmark
  public Host leastRequestWeighted() {
    return leastRequestWeighted.pick(0, false, next());
  }

  @Benchmark
  public Host roundRobin() {
    return roundRobin.pick(0, false, next());
  }

  @Benchmark
  public Host roundRobinWeighted() {
    return roundRobinWeighted.pick(0, false, next());
  }

  @Benchmark
  public Host ringHash() {
    long key = next();
    return ringHash.pick(key, true, key);
  }

  @Benchmark
  public Host maglev() {
    long key = next();
    return maglev.pick(key, true, key);
  }
}
