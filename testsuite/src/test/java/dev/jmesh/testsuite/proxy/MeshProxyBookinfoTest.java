package dev.jmesh.testsuite.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.MeshedJvm;
import dev.jmesh.testsuite.engine.ClientDriver;
import dev.jmesh.testsuite.engine.MeshControlPlane;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bookinfo's {@code ratings} with one JVM and one non-JVM version, driven by one VirtualService: v1
 * is a meshed JVM ({@code mesh-servers-app jdk} with the agent), v2 a Node HTTP server (the
 * built-in {@code http} module, nothing installed) behind mesh-proxy. Both are STRICT mTLS; a
 * meshed JVM client calls {@code ratings} by name. As in bookinfo, {@code end-user: jason} goes to
 * v2; everyone else is split 80/20 between v1 and v2. The two versions listen on the same service
 * port on two loopback addresses (127.0.0.1, the proxy on 127.0.0.2), as two pods would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshProxyBookinfoTest {

  private static final Duration WORK = Duration.ofSeconds(60);

  /** Generous: the certificates of four workloads on a busy 2-core machine can take a while. */
  private static final Duration READY = Duration.ofSeconds(90);

  /** One request's bound, well inside {@link #WORK}, so a stuck one is retried, not waited on. */
  private static final Duration REQUEST = Duration.ofSeconds(10);

  private static final String PROXY_ADDRESS = "127.0.0.2";
  private static final String CLIENT_PRINCIPAL = "spiffe://cluster.local/ns/default/sa/client";

  /** The Node server: it says it is Node, and shows the path and the XFCC the proxy added. */
  private static final String NODE_SERVER =
      """
      const port = Number(process.argv[1]);
      require('http').createServer((req, res) => {
        res.setHeader('content-type', 'text/plain');
        res.end('kind=node\\npath=' + req.url + '\\nxfcc='
            + (req.headers['x-forwarded-client-cert'] || '-') + '\\n');
      }).listen(port, '127.0.0.1', () => console.log('node listening on ' + port));
      """;

  private static final String ROUTES =
      """
      apiVersion: networking.istio.io/v1
      kind: DestinationRule
      metadata:
        name: ratings
        namespace: default
      spec:
        host: ratings
        subsets:
        - name: v1
          labels:
            version: v1
        - name: v2
          labels:
            version: v2
      ---
      apiVersion: networking.istio.io/v1
      kind: VirtualService
      metadata:
        name: ratings
        namespace: default
      spec:
        hosts:
        - ratings
        http:
        - match:
          - headers:
              end-user:
                exact: jason
          route:
          - destination:
              host: ratings
              subset: v2
        - route:
          - destination:
              host: ratings
              subset: v1
            weight: 80
          - destination:
              host: ratings
              subset: v2
            weight: 20
      """;

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private Path work;
  private MeshControlPlane controlPlane;
  private Process node;
  private int nodePort;
  private int ratingsPort;
  private MeshedJvm ratingsV1;
  private MeshedJvm proxy;
  private ClientDriver client;

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-proxy-bookinfo");
    controlPlane = MeshControlPlane.start(jvms, work);
    controlPlane.apply("ratings-strict", MeshProxyTest.strict("ratings"));
    controlPlane.apply("ratings-routes", ROUTES);
    nodePort = FreePorts.on("127.0.0.1");
    node =
        new ProcessBuilder("node", "-e", NODE_SERVER, Integer.toString(nodePort))
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("node.log").toFile())
            .start();
    ratingsPort = FreePorts.on("127.0.0.1");
    ratingsV1 =
        jvms.start(
            MeshedJvm.java("ratings")
                .testApp("mesh-servers-app")
                .args("jdk", "127.0.0.1", Integer.toString(ratingsPort))
                .withAgent()
                .env("MESH_CONTROL_PLANE", controlPlane.address())
                .env("MESH_TOKEN_FILE", controlPlane.token("default", "ratings").toString())
                .env("MESH_LABELS", "app=ratings,version=v1"));
    proxy =
        jvms.start(
            MeshProxyTest.proxyJvm("ratings-v2-proxy")
                .args(
                    "--service", "ratings",
                    "--control-plane", controlPlane.address(),
                    "--token-file", controlPlane.token("default", "ratings").toString(),
                    "--labels", "app=ratings,version=v2",
                    "--inbound", ratingsPort + "=127.0.0.1:" + nodePort,
                    "--workload-address", PROXY_ADDRESS,
                    "--admin-port", "0",
                    "--metrics-port", "0",
                    "--http-proxy", "off"));
    client =
        new ClientDriver(
            jvms.start(
                MeshedJvm.java("client")
                    .testApp("mesh-client-app")
                    .withAgent()
                    .env("MESH_CONTROL_PLANE", controlPlane.address())
                    .env("MESH_TOKEN_FILE", controlPlane.token("default", "client").toString())
                    .env("MESH_LABELS", "app=client,version=v1")));
    client.jvm().awaitOutput("READY client", MeshControlPlane.STARTUP);
    // Both versions have their certificates before a request may land on either.
    ratingsV1.awaitReady(READY);
    proxy.awaitReady(READY);
  }

  @AfterAll
  void stop() throws IOException {
    if (node != null) {
      node.destroy();
    }
    if (work != null) {
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      }
    }
  }

  @Test
  void aMeshedJvmReachesNodeBehindTheProxyInStrictMtlsAndPlaintextIsRefused() throws IOException {
    await()
        .untilAsserted(
            () -> {
              ClientDriver.Result r = ratings("end-user:jason");
              assertThat(r.status()).as(r.toString()).isEqualTo(200);
              assertThat(r.body()).contains("kind=node").contains("path=/ratings/0");
              // The proxy's inbound terminated the client's mTLS and named its identity.
              assertThat(r.body()).contains("URI=" + CLIENT_PRINCIPAL);
            });
    // Node itself answers plaintext; the proxy's port in front of it, under STRICT, does not.
    assertThat(plaintextGet("127.0.0.1", nodePort)).startsWith("HTTP/1.");
    assertThat(plaintextGet(PROXY_ADDRESS, ratingsPort)).doesNotStartWith("HTTP/");
  }

  @Test
  void oneVirtualServiceSplitsRatings80To20BetweenTheJvmAndNode() {
    // The routes are in force once jason reaches Node and both versions have answered others.
    await()
        .untilAsserted(
            () -> {
              assertThat(ratings("end-user:jason").body()).contains("kind=node");
              assertThat(ratings("").body()).contains("kind=jdk");
            });
    await().untilAsserted(() -> assertThat(ratings("").body()).contains("kind=node"));
    int n = 200;
    int jvm = 0;
    int nodes = 0;
    for (int i = 0; i < n; i++) {
      ClientDriver.Result r = ratings("");
      assertThat(r.status()).as(r.toString()).isEqualTo(200);
      if (r.body().contains("kind=jdk")) {
        jvm++;
      } else if (r.body().contains("kind=node")) {
        nodes++;
      }
    }
    System.out.println("[proxy-test] ratings split: v1 (JVM) " + jvm + ", v2 (Node) " + nodes);
    assertThat(jvm + nodes).isEqualTo(n);
    // Binomial(200, 0.2): sigma = sqrt(n p q) = 5.7; 4 sigma either side of 40.
    double sigma = Math.sqrt(n * 0.2 * 0.8);
    assertThat((double) nodes).isBetween(0.2 * n - 4 * sigma, 0.2 * n + 4 * sigma);
  }

  private ClientDriver.Result ratings(String header) {
    return client.run(
        ("http GET http://ratings:" + ratingsPort + "/ratings/0 " + header).trim(), REQUEST);
  }

  /** A plaintext HTTP/1.1 GET straight to the address: the first bytes of the answer, or "". */
  private static String plaintextGet(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(
          "GET / HTTP/1.1\r\nHost: ratings\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readNBytes(12), StandardCharsets.US_ASCII);
    } catch (java.net.SocketException e) {
      // A reset is a refusal too.
      return "";
    }
  }

  private static ConditionFactory await() {
    return Awaitility.await().atMost(WORK).pollInterval(Duration.ofMillis(250)).ignoreExceptions();
  }
}
