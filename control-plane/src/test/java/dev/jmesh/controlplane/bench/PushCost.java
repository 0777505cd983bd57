package dev.jmesh.controlplane.bench;

import dev.jmesh.controlplane.internal.ads.AdsServer;
import dev.jmesh.controlplane.internal.ads.ProxyLifecycle;
import dev.jmesh.controlplane.internal.config.ConfigStore;
import dev.jmesh.controlplane.internal.config.DirectoryConfigSource;
import dev.jmesh.controlplane.internal.config.MeshSnapshot;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** Server-side cost of reload and push without any client work: where the time goes. */
public final class PushCost {
  private PushCost() {}

  public static void main(String[] args) throws Exception {
    int clients = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    Path dir = Files.createTempDirectory("jmesh-pushcost");
    ControlPlaneBench.writeMesh(dir, 1000, 5000, 0);
    ConfigStore store = new ConfigStore();
    DirectoryConfigSource source = new DirectoryConfigSource(dir);
    AtomicReference<MeshSnapshot> current = new AtomicReference<>(store.apply(List.of(source.read())));
    AdsServer ads = new AdsServer(current::get, ProxyLifecycle.NONE);
    AtomicLong bytes = new AtomicLong();
    List<StreamObserver<DiscoveryRequest>> streams = new ArrayList<>();
    for (int i = 0; i < clients; i++) {
      streams.add(ads.streamAggregatedResources(new StreamObserver<DiscoveryResponse>() {
        @Override
        public void onNext(DiscoveryResponse r) {
          bytes.addAndGet(r.getSerializedSize());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {}
      }));
    }
    for (int round = 0; round < 5; round++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < clients; i++) {
        Node node = Node.newBuilder().setId("c" + i).build();
        for (String type : List.of("type.googleapis.com/envoy.config.cluster.v3.Cluster",
            "type.googleapis.com/envoy.config.listener.v3.Listener")) {
          streams.get(i).onNext(DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(type)
              .build());
        }
        if (round == 0) {
          var view = ads.resourcesFor(dev.jmesh.controlplane.internal.xds.ProxyNode.from(node));
          streams.get(i).onNext(DiscoveryRequest.newBuilder().setTypeUrl(
                  "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment")
              .addAllResourceNames(view.all(
                  "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment").keySet())
              .build());
          streams.get(i).onNext(DiscoveryRequest.newBuilder().setTypeUrl(
                  "type.googleapis.com/envoy.config.route.v3.RouteConfiguration")
              .addAllResourceNames(view.all(
                  "type.googleapis.com/envoy.config.route.v3.RouteConfiguration").keySet())
              .build());
        }
      }
      long t1 = System.nanoTime();
      ControlPlaneBench.writeMesh(dir, 1000, 5000, round + 1);
      MeshSnapshot next = store.apply(List.of(source.read()));
      long t2 = System.nanoTime();
      current.set(next);
      ads.pushAll();
      long t3 = System.nanoTime();
      System.out.printf("subscribe %d clients %d ms, reload %d ms, push %d ms (%d MB sent)%n",
          clients, (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000, (t3 - t2) / 1_000_000,
          bytes.get() >> 20);
    }
  }
}
