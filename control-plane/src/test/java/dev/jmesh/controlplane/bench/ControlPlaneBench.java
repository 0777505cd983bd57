package dev.jmesh.controlplane.bench;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Control-plane benchmark (not a test): generates a mesh of S services and E endpoints, runs
 * the control plane jar as its own process, connects N simulated ADS clients that behave like
 * Envoy (CDS and LDS wildcard, then EDS and RDS by name, decoding and ACKing every push), then
 * changes a file and measures the time until every client has ACKed the new version.
 *
 * <pre>
 * java -cp "$(cat control-plane/target/test-classpath.txt):control-plane/target/test-classes:control-plane/target/classes" \
 *   dev.jmesh.controlplane.bench.ControlPlaneBench --services 1000 --endpoints 5000 --clients 500
 * </pre>
 */
public final class ControlPlaneBench {
  private ControlPlaneBench() {}

  /** Streams per HTTP/2 connection, as if a few clients shared a host. */
  private static final int CLIENTS_PER_CHANNEL = 10;

  public static void main(String[] args) throws Exception {
    int services = intArg(args, "--services", 1000);
    int endpoints = intArg(args, "--endpoints", 5000);
    int clients = intArg(args, "--clients", 500);
    int changes = intArg(args, "--changes", 3);
    String jar = stringArg(args, "--jar", "control-plane/target/control-plane.jar");
    String heap = stringArg(args, "--cp-heap", "2g");

    Path dir = Files.createTempDirectory("jmesh-bench");
    writeMesh(dir, services, endpoints, 0);
    System.out.printf("mesh: %d services, %d endpoints in %s%n", services, endpoints, dir);

    List<String> command = new ArrayList<>(List.of("java", "-Xmx" + heap));
    String jvmArgs = stringArg(args, "--cp-jvm-args", "");
    for (String a : jvmArgs.split(" ")) {
      if (!a.isBlank()) {
        command.add(a);
      }
    }
    command.addAll(List.of("-jar", jar, "--config-dir", dir.toString(), "--xds-port", "0",
        "--http-port", "0"));
    Process cp = new ProcessBuilder(command).redirectErrorStream(true).start();
    int port = xdsPort(cp, Boolean.parseBoolean(stringArg(args, "--verbose", "false")));
    List<ManagedChannel> channels = new ArrayList<>();
    List<SimulatedProxy> proxies = new ArrayList<>();
    try {
      long start = System.nanoTime();
      for (int i = 0; i < clients; i++) {
        if (i % CLIENTS_PER_CHANNEL == 0) {
          channels.add(NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
              .maxInboundMessageSize(256 * 1024 * 1024).build());
        }
        proxies.add(new SimulatedProxy(channels.get(channels.size() - 1), "bench-" + i));
      }
      long version = 1;
      awaitVersion(proxies, version, 600);
      double syncSeconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("initial sync of %d clients: %.1f s (control plane CPU %.1f s,"
              + " benchmark clients CPU %.1f s); control plane heap after GC: %s%n",
          clients, syncSeconds, cpuSeconds(cp), ownCpuSeconds(), heapUsed(cp));
      int histogram = intArg(args, "--histogram", 0);
      if (histogram > 0) {
        System.out.print(classHistogram(cp, histogram));
      }

      for (int c = 1; c <= changes; c++) {
        boolean endpointChange = c % 2 == 1;
        long t0 = System.nanoTime();
        if (endpointChange) {
          writeMesh(dir, services, endpoints, c);
        } else {
          Files.writeString(dir.resolve("route.yaml"), route(c));
        }
        version++;
        awaitVersion(proxies, version, 600);
        List<Long> latencies = new ArrayList<>();
        for (SimulatedProxy p : proxies) {
          latencies.add(p.ackedAt(version) - t0);
        }
        Collections.sort(latencies);
        System.out.printf("change %d (%s): file change to ACK p50 %.0f ms, p99 %.0f ms,"
                + " all %.0f ms%n", c, endpointChange ? "one endpoint, EDS" : "one route, RDS",
            latencies.get(latencies.size() / 2) / 1e6,
            latencies.get((int) (latencies.size() * 0.99)) / 1e6,
            latencies.get(latencies.size() - 1) / 1e6);
      }
      System.out.printf("control plane heap after GC: %s; CPU %.1f s in all%n", heapUsed(cp),
          cpuSeconds(cp));
    } finally {
      proxies.forEach(SimulatedProxy::close);
      channels.forEach(ManagedChannel::shutdownNow);
      cp.destroy();
      cp.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** One Envoy-like ADS client. */
  static final class SimulatedProxy {
    private final StreamObserver<DiscoveryRequest> requests;
    private final java.util.Map<Long, Long> ackedAt = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, Long> versionByType =
        new java.util.concurrent.ConcurrentHashMap<>();
    private final Node node;

    SimulatedProxy(ManagedChannel channel, String id) {
      node = Node.newBuilder().setId(id).setMetadata(Struct.newBuilder()
          .putFields("NAMESPACE", Value.newBuilder().setStringValue("bench").build())).build();
      requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(
          new StreamObserver<>() {
            @Override
            public void onNext(DiscoveryResponse r) {
              onResponse(r);
            }

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
          });
      send(DiscoveryRequest.newBuilder().setNode(node)
          .setTypeUrl("type.googleapis.com/envoy.config.cluster.v3.Cluster").build());
      send(DiscoveryRequest.newBuilder().setNode(node)
          .setTypeUrl("type.googleapis.com/envoy.config.listener.v3.Listener").build());
    }

    private synchronized void send(DiscoveryRequest r) {
      requests.onNext(r);
    }

    private void onResponse(DiscoveryResponse r) {
      try {
        List<String> names = new ArrayList<>();
        String follow = null;
        for (Any any : r.getResourcesList()) {
          switch (r.getTypeUrl()) {
            case "type.googleapis.com/envoy.config.cluster.v3.Cluster":
              Cluster c = any.unpack(Cluster.class);
              if (c.getType() == Cluster.DiscoveryType.EDS) {
                names.add(c.getName());
              }
              follow = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";
              break;
            case "type.googleapis.com/envoy.config.listener.v3.Listener":
              Listener l = any.unpack(Listener.class);
              if (l.hasApiListener()) {
                names.add(l.getApiListener().getApiListener().unpack(HttpConnectionManager.class)
                    .getRds().getRouteConfigName());
              }
              follow = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration";
              break;
            case "type.googleapis.com/envoy.config.route.v3.RouteConfiguration":
              names.add(any.unpack(RouteConfiguration.class).getName());
              break;
            default:
              names.add(any.unpack(ClusterLoadAssignment.class).getClusterName());
          }
        }
        boolean wildcard = r.getTypeUrl().endsWith("Cluster") || r.getTypeUrl().endsWith("Listener");
        send(DiscoveryRequest.newBuilder().setTypeUrl(r.getTypeUrl())
            .setVersionInfo(r.getVersionInfo()).setResponseNonce(r.getNonce())
            .addAllResourceNames(wildcard ? List.of() : names).build());
        if (follow != null && !versionByType.containsKey(follow)) {
          versionByType.put(follow, 0L);
          send(DiscoveryRequest.newBuilder().setTypeUrl(follow).addAllResourceNames(names)
              .build());
        }
        long v = Long.parseLong(r.getVersionInfo());
        versionByType.put(r.getTypeUrl(), v);
        // Synced once every type has arrived; after that, each response marks its version.
        if (versionByType.size() == 4 && versionByType.values().stream().allMatch(x -> x > 0)) {
          ackedAt.putIfAbsent(v, System.nanoTime());
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }

    /** When this proxy first ACKed a response of {@code version} (any type). */
    long ackedAt(long version) {
      return ackedAt.getOrDefault(version, Long.MAX_VALUE);
    }

    boolean has(long version) {
      return ackedAt.keySet().stream().anyMatch(v -> v >= version);
    }

    void close() {
      try {
        requests.onCompleted();
      } catch (RuntimeException e) {
        // channel already gone
      }
    }
  }

  /**
   * Waits until every client has the version. Each client records when it got there, so the
   * polling interval does not change what is measured; only clients still behind are
   * checked again, so waiting costs the clients' shared CPU next to nothing.
   */
  private static void awaitVersion(List<SimulatedProxy> proxies, long version, int seconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    List<SimulatedProxy> behind = new ArrayList<>(proxies);
    while (System.nanoTime() < deadline) {
      behind.removeIf(p -> p.has(version));
      if (behind.isEmpty()) {
        return;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException(behind.size() + " clients never reached version " + version);
  }

  static void writeMesh(Path dir, int services, int endpoints, int generation) throws Exception {
    StringBuilder sb = new StringBuilder();
    int perService = Math.max(1, endpoints / services);
    for (int s = 0; s < services; s++) {
      sb.append("apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n")
          .append("  name: svc-").append(s).append("\n  namespace: bench\nspec:\n")
          .append("  hosts: [svc-").append(s).append(".bench.svc.cluster.local]\n")
          .append("  location: MESH_INTERNAL\n  resolution: STATIC\n")
          .append("  ports: [{number: 8080, name: http}]\n  endpoints:\n");
      for (int e = 0; e < perService; e++) {
        int n = s * perService + e + (s == 0 ? generation : 0);
        sb.append("  - {address: 10.").append((n >> 16) & 255).append('.')
            .append((n >> 8) & 255).append('.').append(n & 255)
            .append(", labels: {version: v").append(e % 2 + 1).append("}}\n");
      }
      sb.append("---\n");
    }
    Path tmp = dir.resolve(".services.yaml.tmp");
    Files.writeString(tmp, sb);
    Files.move(tmp, dir.resolve("services.yaml"),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  static String route(int generation) {
    return "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n"
        + "  name: svc-0\n  namespace: bench\nspec:\n  hosts: [svc-0.bench.svc.cluster.local]\n"
        + "  http:\n  - timeout: " + generation + "s\n    route:\n"
        + "    - destination: {host: svc-0.bench.svc.cluster.local}\n";
  }

  private static int xdsPort(Process cp, boolean verbose) throws Exception {
    BufferedReader out = new BufferedReader(
        new InputStreamReader(cp.getInputStream(), StandardCharsets.UTF_8));
    Pattern p = Pattern.compile("xDS on [^:]+:(\\d+)");
    String line;
    while ((line = out.readLine()) != null) {
      Matcher m = p.matcher(line);
      if (line.startsWith("jmesh control plane") && m.find()) {
        Thread drain = new Thread(() -> out.lines().forEach(l -> {
          if (verbose && l.startsWith("INFO: config version")) {
            System.out.println("  control plane: " + l.substring(6));
          }
        }));
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(m.group(1));
      }
    }
    throw new IllegalStateException("control plane exited: " + cp.waitFor());
  }

  private static String heapUsed(Process cp) throws Exception {
    Process jcmd = new ProcessBuilder("jcmd", String.valueOf(cp.pid()), "GC.run").start();
    jcmd.waitFor(30, TimeUnit.SECONDS);
    Process info = new ProcessBuilder("jcmd", String.valueOf(cp.pid()), "GC.heap_info")
        .redirectErrorStream(true).start();
    String text = new String(info.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    Matcher m = Pattern.compile("used (\\d+)K").matcher(text);
    return m.find() ? (Long.parseLong(m.group(1)) / 1024) + " MB" : "unknown";
  }

  /** The first lines of the control plane's class histogram (live objects). */
  private static String classHistogram(Process cp, int lines) throws Exception {
    Process jcmd = new ProcessBuilder("jcmd", String.valueOf(cp.pid()), "GC.class_histogram")
        .redirectErrorStream(true).start();
    StringBuilder out = new StringBuilder();
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(jcmd.getInputStream(), StandardCharsets.UTF_8))) {
      r.lines().skip(1).limit(lines + 2L).forEach(l -> out.append("  ").append(l).append('\n'));
    }
    return out.toString();
  }

  /** CPU time of this process (the simulated clients) so far. */
  private static double ownCpuSeconds() {
    return ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis() / 1e3)
        .orElse(Double.NaN);
  }

  /** User plus system CPU time of the control-plane process so far. */
  private static double cpuSeconds(Process cp) {
    return cp.info().totalCpuDuration().map(d -> d.toMillis() / 1e3).orElse(Double.NaN);
  }

  private static int intArg(String[] args, String name, int fallback) {
    String v = stringArg(args, name, null);
    return v == null ? fallback : Integer.parseInt(v);
  }

  private static String stringArg(String[] args, String name, String fallback) {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals(name)) {
        return args[i + 1];
      }
    }
    return fallback;
  }
}
