package dev.jmesh.dataplane.cluster;

import static dev.jmesh.dataplane.cluster.TestClusters.assertChiSquare;
import static dev.jmesh.dataplane.cluster.TestClusters.cluster;
import static dev.jmesh.dataplane.cluster.TestClusters.config;
import static dev.jmesh.dataplane.cluster.TestClusters.endpoint;
import static dev.jmesh.dataplane.cluster.TestClusters.hosts;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.config.ClusterConfig;
import dev.jmesh.dataplane.config.Endpoint;
import dev.jmesh.dataplane.config.LoadBalancingConfig;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** RING_HASH and MAGLEV: the same key keeps its host, and a new host takes only its share. */
class ConsistentHashTest {

  private static final int KEYS = 100_000;

  private static long[] keys(long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    long[] out = new long[KEYS];
    for (int i = 0; i < KEYS; i++) {
      out[i] = rnd.nextLong();
    }
    return out;
  }

  @ParameterizedTest
  @EnumSource(
      value = ClusterConfig.LbPolicy.class,
      names = {"RING_HASH", "MAGLEV"})
  void aKeyAlwaysGetsTheSameHost(ClusterConfig.LbPolicy policy) {
    UpstreamCluster c = cluster(config(policy, hosts(10)));
    for (long key : keys(11)) {
      Host first = c.pick(key, true, 1);
      assertThat(c.pick(key, true, 999)).isSameAs(first);
    }
  }

  /**
   * Adding an 11th host to 10. Maglev gives the new host 1/11 of the slots and, as its paper
   * promises, disturbs few others: we measure 9.3% of keys moved, 0.2% of them between old hosts,
   * so 1/11 plus 1% is the bound.
   *
   * <p>The ring hash keeps every old host's points (unlike Envoy's, which shrinks them to keep the
   * ring near {@code minimum_ring_size}: istio/istio#41814), so a key moves only to the new host:
   * 1/11 of the keys, plus 1% for the sampling of the new host's 256 points.
   */
  @ParameterizedTest
  @EnumSource(
      value = ClusterConfig.LbPolicy.class,
      names = {"RING_HASH", "MAGLEV"})
  void addingAHostMovesFewKeys(ClusterConfig.LbPolicy policy) {
    List<Endpoint> ten = hosts(10);
    UpstreamCluster c = cluster(config(policy, ten));
    long[] keys = keys(12);
    String[] before = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      before[i] = c.pick(keys[i], true, i).hostKey();
    }
    List<Endpoint> eleven = new ArrayList<>(ten);
    eleven.add(endpoint("10.9.9.9", 1));
    c.update(TestClusters.withEndpoints(c.config(), eleven));
    int moved = 0;
    int movedElsewhere = 0;
    for (int i = 0; i < KEYS; i++) {
      String now = c.pick(keys[i], true, i).hostKey();
      if (!now.equals(before[i])) {
        moved++;
        if (!now.equals("10.9.9.9:80")) {
          movedElsewhere++;
        }
      }
    }
    double fraction = moved / (double) KEYS;
    assertThat(fraction).isLessThanOrEqualTo(1.0 / 11 + 0.01);
    if (policy == ClusterConfig.LbPolicy.RING_HASH) {
      assertThat(movedElsewhere).as("keys moved between old hosts").isZero();
    } else {
      assertThat(movedElsewhere / (double) KEYS).isLessThanOrEqualTo(0.01);
    }
    assertThat(fraction).as("the new host takes a share").isGreaterThan(0.5 / 11);
  }

  /**
   * Replacing one of 10 hosts keeps the ring's size and every other host's points, so only the
   * removed host's keys (1/10, ± about 10% of that for its 103 points) and the keys the newcomer's
   * points capture move; a key of a host that stayed moves only to the newcomer.
   */
  @Test
  void replacingAHostMovesOnlyItsKeysOnTheRing() {
    List<Endpoint> ten = hosts(10);
    UpstreamCluster c = cluster(config(ClusterConfig.LbPolicy.RING_HASH, ten));
    long[] keys = keys(16);
    String[] before = new String[KEYS];
    for (int i = 0; i < KEYS; i++) {
      before[i] = c.pick(keys[i], true, i).hostKey();
    }
    List<Endpoint> replaced = new ArrayList<>(ten.subList(0, 9));
    replaced.add(endpoint("10.9.9.9", 1));
    String gone = Host.key(ten.get(9).address(), 80);
    c.update(TestClusters.withEndpoints(c.config(), replaced));
    int movedFromStayingHosts = 0;
    int gained = 0;
    for (int i = 0; i < KEYS; i++) {
      String now = c.pick(keys[i], true, i).hostKey();
      if (!before[i].equals(gone) && !now.equals(before[i])) {
        movedFromStayingHosts++;
        assertThat(now).isEqualTo("10.9.9.9:80");
      }
      if (now.equals("10.9.9.9:80")) {
        gained++;
      }
    }
    assertThat(gained / (double) KEYS).isBetween(0.7 / 10, 1.3 / 10);
    assertThat(movedFromStayingHosts / (double) KEYS).isLessThanOrEqualTo(1.3 / 10);
  }

  @ParameterizedTest
  @EnumSource(
      value = ClusterConfig.LbPolicy.class,
      names = {"RING_HASH", "MAGLEV"})
  void weightsSetTheShareOfKeys(ClusterConfig.LbPolicy policy) {
    UpstreamCluster c =
        cluster(config(policy, List.of(endpoint("10.0.0.1", 1), endpoint("10.0.0.2", 3))));
    Map<String, Integer> hits = new HashMap<>();
    for (long key : keys(13)) {
      hits.merge(c.pick(key, true, 0).hostKey(), 1, Integer::sum);
    }
    double share = hits.get("10.0.0.1:80") / (double) KEYS;
    // The table approximates the weights: about 5% of the share for a 1024-point ring.
    assertThat(share).isCloseTo(0.25, org.assertj.core.data.Offset.offset(0.03));
  }

  @Test
  void maglevSpreadsKeysEvenly() {
    UpstreamCluster c = cluster(config(ClusterConfig.LbPolicy.MAGLEV, hosts(7)));
    Map<String, Integer> hits = new HashMap<>();
    for (long key : keys(14)) {
      hits.merge(c.pick(key, true, 0).hostKey(), 1, Integer::sum);
    }
    long[] observed = hits.values().stream().mapToLong(Integer::longValue).toArray();
    double[] shares = new double[7];
    java.util.Arrays.fill(shares, 1 / 7.0);
    assertChiSquare(observed, shares);
  }

  @ParameterizedTest
  @EnumSource(
      value = ClusterConfig.LbPolicy.class,
      names = {"RING_HASH", "MAGLEV"})
  void withoutAHashTheHostIsRandom(ClusterConfig.LbPolicy policy) {
    UpstreamCluster c = cluster(config(policy, hosts(4)));
    Map<String, Integer> hits = new HashMap<>();
    SplittableRandom rnd = new SplittableRandom(15);
    for (int i = 0; i < 20_000; i++) {
      hits.merge(c.pick(0, false, rnd.nextLong()).hostKey(), 1, Integer::sum);
    }
    assertThat(hits).hasSize(4);
    hits.values().forEach(v -> assertThat(v).isBetween(4_000, 6_000));
  }

  @Test
  void theBucketIndexFindsTheSameHostAsAWalkAroundTheRing() {
    Host[] hosts = cluster(config(ClusterConfig.LbPolicy.RING_HASH, hosts(37))).hostArray();
    double[] equal = new double[hosts.length];
    java.util.Arrays.fill(equal, 1.0 / hosts.length);
    RingHashTable ring = new RingHashTable(hosts, equal, 1024, 8_388_608);
    // The reference: the first point at or after the hash, by a plain walk.
    long[] points = new long[ring.size()];
    Host[] owners = new Host[ring.size()];
    for (int i = 0; i < ring.size(); i++) {
      points[i] = ring.pointHash(i);
      owners[i] = ring.pointHost(i);
    }
    java.util.SplittableRandom random = new java.util.SplittableRandom(5);
    for (int k = 0; k < 20_000; k++) {
      long hash = k < 3 ? new long[] {0, -1, points[points.length - 1]}[k] : random.nextLong();
      Host expected = owners[0];
      for (int i = 0; i < points.length; i++) {
        if (Long.compareUnsigned(points[i], hash) >= 0) {
          expected = owners[i];
          break;
        }
      }
      assertThat(ring.pick(hash)).isSameAs(expected);
    }
  }

  @Test
  void ringSizeFollowsTheConfiguredBounds() {
    Host[] hosts = cluster(config(ClusterConfig.LbPolicy.RING_HASH, hosts(3))).hostArray();
    double[] third = {1 / 3.0, 1 / 3.0, 1 / 3.0};
    // A quarter of minimum_ring_size per (equally weighted) host, whatever the host count.
    assertThat(new RingHashTable(hosts, third, 1024, 8_388_608).size()).isBetween(768, 771);
    assertThat(new RingHashTable(hosts, third, 3000, 8_388_608).size()).isBetween(2250, 2253);
    assertThat(new RingHashTable(hosts, third, 1024, 100).size()).isEqualTo(100);
  }

  @Test
  void theConfiguredMaglevTableSizeIsUsed() {
    LoadBalancingConfig d = LoadBalancingConfig.DEFAULTS;
    LoadBalancingConfig small =
        new LoadBalancingConfig(1024, d.maximumRingSize(), 7, 2, 1.0, null, 50, false);
    UpstreamCluster c = cluster(config(ClusterConfig.LbPolicy.MAGLEV, small, null, hosts(2)));
    // A 7-slot table repeats every 7 keys.
    for (long key = 0; key < 7; key++) {
      assertThat(c.pick(key + 7, true, 0)).isSameAs(c.pick(key, true, 0));
    }
  }
}
