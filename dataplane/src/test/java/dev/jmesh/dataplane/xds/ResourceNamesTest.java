package dev.jmesh.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResourceNamesTest {

  @Test
  void inboundListenersReferToRoutesThroughTheirFilterChains() {
    Listener inbound =
        Listener.newBuilder()
            .setName("inbound|9080")
            .addFilterChains(chain(hcm("inbound|9080|http")))
            .setDefaultFilterChain(chain(hcm("inbound|9080|default")))
            .build();
    assertThat(ResourceNames.referencedBy(XdsResourceType.LISTENER, List.<Message>of(inbound)))
        .containsExactly("inbound|9080|default", "inbound|9080|http");
  }

  @Test
  void inlineRoutesAndUnreadableFiltersReferToNothing() {
    Any inline = Any.pack(HttpConnectionManager.getDefaultInstance());
    Any unreadable =
        Any.newBuilder()
            .setTypeUrl(inline.getTypeUrl())
            .setValue(ByteString.copyFrom(new byte[] {0x0a, 0x05}))
            .build();
    Listener listener =
        Listener.newBuilder()
            .setName("tcp")
            .addFilterChains(chain(inline))
            .addFilterChains(chain(unreadable))
            .build();
    assertThat(ResourceNames.referencedBy(XdsResourceType.LISTENER, List.<Message>of(listener)))
        .isEmpty();
  }

  @Test
  void onlyEdsClustersReferToEndpoints() {
    assertThat(
            ResourceNames.referencedBy(
                XdsResourceType.CLUSTER,
                List.<Message>of(
                    XdsClientTest.cluster("static", 1),
                    XdsClientTest.edsCluster("outbound|80||a", ""),
                    XdsClientTest.edsCluster("outbound|80||b", "b-endpoints"))))
        .containsExactly("b-endpoints", "outbound|80||a");
  }

  private static Any hcm(String routeName) {
    return Any.pack(
        HttpConnectionManager.newBuilder()
            .setRds(Rds.newBuilder().setRouteConfigName(routeName))
            .build());
  }

  private static FilterChain chain(Any config) {
    return FilterChain.newBuilder()
        .addFilters(Filter.newBuilder().setName("hcm").setTypedConfig(config))
        .build();
  }
}
