package dev.jmesh.dataplane.direct;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.dataplane.capture.InboundTakeover;
import dev.jmesh.dataplane.capture.MeshCapture;
import dev.jmesh.dataplane.config.MeshSnapshot;
import dev.jmesh.dataplane.engine.outbound.MeshFixture;
import dev.jmesh.dataplane.settings.SettingSource;
import dev.jmesh.dataplane.settings.SettingsParser;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Where the direct path's requests go is asked of the capture once per name, port and config, and
 * a new config is seen by the next request.
 */
class DirectDestinationsTest {

  private static final String LISTENER = "reviews.default.svc.cluster.local:9080";
  private static final String REVIEWS = "outbound|9080||reviews.default.svc.cluster.local";

  private final AtomicReference<MeshSnapshot> config = new AtomicReference<>();
  private MeshFixture mesh;
  private DirectDestinations destinations;

  @BeforeEach
  void start() throws Exception {
    RouteConfiguration routes = MeshFixture.allTo(LISTENER, REVIEWS);
    mesh =
        new MeshFixture()
            .httpListener(LISTENER, routes)
            .cluster(Cluster.newBuilder().setName(REVIEWS), 10001);
    mesh.start();
    config.set(mesh.snapshot);
    Map<String, String> env = Map.of("MESH_SERVICE", "productpage", "MESH_NAMESPACE", "default");
    MeshCapture capture =
        new MeshCapture(
            SettingsParser.parse(new SettingSource(Map.of(), Map.of(), env)),
            config::get,
            timeout -> true,
            java.time.Duration.ofSeconds(1),
            new NoTakeover(),
            (destination, endpoint) -> new InetSocketAddress("127.0.0.1", 1));
    destinations = new DirectDestinations(config::get, capture);
  }

  @AfterEach
  void tearDown() {
    mesh.close();
  }

  @Test
  void aNameIsAskedOncePerConfigAndItsListenerComesWithIt() {
    DirectDestinations.Destination first = destinations.of("reviews", 9080);
    assertThat(first.listener()).isEqualTo(LISTENER);
    assertThat(first.config()).isSameAs(mesh.snapshot.listener(LISTENER));
    // The authority a request without a Host of its own is routed by, made once with the answer.
    assertThat(first.authority()).isEqualTo("reviews:9080");
    // The same answer, not a new one: the capture was not asked again.
    assertThat(destinations.of("reviews", 9080)).isSameAs(first);
    // Another port of the same name is its own destination: no listener there, so the engine's.
    DirectDestinations.Destination other = destinations.of("reviews", 9999);
    assertThat(other.listener()).isEqualTo(MeshCapture.BLACK_HOLE);
    assertThat(other.config()).isNull();
    assertThat(destinations.of("reviews", 9080)).isSameAs(first);
    assertThat(destinations.of("example.org", 80)).isSameAs(DirectDestinations.PASSTHROUGH);
  }

  @Test
  void aNewConfigIsSeenByTheNextRequest() {
    assertThat(destinations.of("reviews", 9080).listener()).isEqualTo(LISTENER);
    config.set(MeshSnapshot.EMPTY);
    assertThat(destinations.of("reviews", 9080)).isSameAs(DirectDestinations.PASSTHROUGH);
    config.set(mesh.snapshot);
    assertThat(destinations.of("reviews", 9080).config())
        .isSameAs(mesh.snapshot.listener(LISTENER));
  }

  @Test
  void addressesAreAskedEveryTimeAndNamesAreKeptWithinBounds() {
    DirectDestinations.Destination endpoint = destinations.of("127.0.0.1", 10001);
    assertThat(endpoint.listener()).isEqualTo(LISTENER);
    assertThat(endpoint.authority()).isEqualTo("127.0.0.1:10001");
    assertThat(destinations.of("127.0.0.1", 10001)).isNotSameAs(endpoint).isEqualTo(endpoint);
    for (int i = 0; i < DirectDestinations.MAX_HOSTS + 10; i++) {
      destinations.of("host" + i + ".example.org", 80);
    }
    assertThat(destinations.rememberedHosts()).isEqualTo(DirectDestinations.MAX_HOSTS);
    // Past the bound an answer is still right, only not kept.
    assertThat(destinations.of("reviews", 9080).listener()).isEqualTo(LISTENER);
  }

  /** The capture's inbound side, which these lookups never reach. */
  private static final class NoTakeover implements InboundTakeover {
    @Override
    public java.io.Closeable takeOver(InetSocketAddress declared, InetSocketAddress application) {
      throw new UnsupportedOperationException("not in this test");
    }

    @Override
    public boolean isEngineConnection(InetSocketAddress remote) {
      return false;
    }
  }
}
