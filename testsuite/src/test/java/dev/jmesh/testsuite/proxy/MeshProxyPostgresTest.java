package dev.jmesh.testsuite.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.FreePorts;
import dev.jmesh.testing.MeshedJvm;
import dev.jmesh.testsuite.engine.MeshControlPlane;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Debian's PostgreSQL (15 here) behind mesh-proxy as the mesh service {@code postgres} (an Istio
 * TCP port, {@code tcp-postgres:5432}, STRICT mTLS), queried by a meshed JVM over JDBC by the
 * service name: raw TCP, server-speaks-second, through the agent's engine to the proxy over mTLS
 * and from the proxy to the database on loopback. The proxy listens on a loopback address of its
 * own, so the service keeps PostgreSQL's usual port 5432 without colliding with anything on
 * 127.0.0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MeshProxyPostgresTest {

  /** Debian's server binaries, {@code /usr/lib/postgresql/VERSION/bin}: the newest installed. */
  private static final Path PG_BIN = serverBinaries();

  private static final String WORKLOAD_ADDRESS = "127.0.15.32";
  private static final int SERVICE_PORT = 5432;
  private static final Duration WORK = Duration.ofSeconds(90);

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  private Path work;
  private Path data;
  private MeshControlPlane controlPlane;
  private Process postgres;
  private int postgresPort;
  private MeshedJvm proxy;

  @BeforeAll
  void startMesh() throws Exception {
    work = Files.createTempDirectory("jmesh-proxy-pg");
    controlPlane = MeshControlPlane.start(jvms, work);
    controlPlane.apply("postgres-strict", MeshProxyTest.strict("postgres"));
    postgresPort = FreePorts.loopback();
    postgres = startPostgres();
    proxy =
        jvms.start(
            MeshProxyTest.proxyJvm("postgres-proxy")
                .args(
                    "--service",
                    "postgres",
                    "--control-plane",
                    controlPlane.address(),
                    "--token-file",
                    controlPlane.token("default", "postgres").toString(),
                    "--labels",
                    "app=postgres,version=v1",
                    "--service-ports",
                    "tcp-postgres:" + SERVICE_PORT,
                    "--inbound",
                    SERVICE_PORT + "=127.0.0.1:" + postgresPort,
                    "--workload-address",
                    WORKLOAD_ADDRESS,
                    "--admin-port",
                    "0",
                    "--metrics-port",
                    "0",
                    "--http-proxy",
                    "off"));
    proxy.awaitReady(WORK);
  }

  /**
   * initdb and postgres as the {@code postgres} user (PostgreSQL refuses to run as root), in a
   * fresh data directory, trust authentication, TCP on 127.0.0.1 only and an ephemeral port.
   */
  private Process startPostgres() throws Exception {
    // Created by root in /tmp; the postgres user needs its own directory to own.
    data = Files.createTempDirectory("jmesh-pgdata");
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
    Process chown = new ProcessBuilder("chown", "postgres:postgres", data.toString()).start();
    assertThat(chown.waitFor(10, TimeUnit.SECONDS) && chown.exitValue() == 0).isTrue();
    Path initLog = work.resolve("initdb.log");
    Process initdb =
        asPostgres(
                PG_BIN.resolve("initdb").toString(),
                "-D",
                data.resolve("db").toString(),
                "-A",
                "trust",
                "-U",
                "mesh",
                "--no-sync")
            .redirectErrorStream(true)
            .redirectOutput(initLog.toFile())
            .start();
    assertThat(initdb.waitFor(60, TimeUnit.SECONDS)).as("initdb finished").isTrue();
    assertThat(initdb.exitValue()).as(Files.readString(initLog)).isZero();
    Path log = work.resolve("postgres.log");
    Process server =
        asPostgres(
                PG_BIN.resolve("postgres").toString(),
                "-D",
                data.resolve("db").toString(),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "port=" + postgresPort,
                "-c",
                "unix_socket_directories=" + data,
                "-c",
                "fsync=off")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () ->
                assertThat(Files.readString(log))
                    .as("postgres started")
                    .contains("database system is ready to accept connections"));
    return server;
  }

  private static ProcessBuilder asPostgres(String... command) {
    List<String> full = new java.util.ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    full.addAll(List.of(command));
    return new ProcessBuilder(full);
  }

  @AfterAll
  void stop() throws Exception {
    if (postgres != null) {
      // runuser does not pass on every signal: stop the postmaster itself, fast.
      Path pid = data.resolve("db/postmaster.pid");
      if (Files.exists(pid)) {
        long id = Long.parseLong(Files.readAllLines(pid).get(0).trim());
        ProcessHandle.of(id).ifPresent(ProcessHandle::destroy);
      }
      if (!postgres.waitFor(20, TimeUnit.SECONDS)) {
        postgres.descendants().forEach(ProcessHandle::destroyForcibly);
        postgres.destroyForcibly();
      }
    }
    for (Path dir : new Path[] {data, work}) {
      if (dir != null) {
        try (Stream<Path> files = Files.walk(dir)) {
          files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
        }
      }
    }
  }

  @Test
  void aMeshedJvmQueriesPostgresBehindTheProxyOverJdbcByServiceNameInMutualTls() {
    double before =
        proxy
            .findMetric(
                "istio_tcp_connections_opened_total",
                "reporter",
                "destination",
                "connection_security_policy",
                "mutual_tls")
            .orElse(0.0);
    String sql = "SELECT 6 * 7, current_setting('port'), current_user, inet_client_addr()::text";
    Awaitility.await()
        .atMost(WORK)
        .pollInterval(Duration.ofSeconds(1))
        .untilAsserted(
            () -> {
              MeshedJvm query =
                  jvms.start(
                      MeshedJvm.java("jdbc-client")
                          .testApp("jdbc-app")
                          .args(
                              "jdbc:postgresql://postgres:"
                                  + SERVICE_PORT
                                  + "/postgres"
                                  + "?connectTimeout=10&socketTimeout=20",
                              "mesh",
                              sql)
                          .withAgent()
                          .env("MESH_CONTROL_PLANE", controlPlane.address())
                          .env(
                              "MESH_TOKEN_FILE",
                              controlPlane.token("default", "jdbc-client").toString())
                          .env("MESH_LABELS", "app=jdbc-client,version=v1"));
              assertThat(query.awaitExit(Duration.ofSeconds(60))).as(query.output()).isZero();
              // The real server answered (its own port), and saw the proxy on loopback.
              assertThat(query.stdout())
                  .contains("ROW 42|" + postgresPort + "|mesh|127.0.0.1/32")
                  .contains("DONE rows=1");
            });
    // The proxy's inbound counted the JVM's connection as mutual TLS, and knows its workload from
    // the TCP metadata exchange (ALPN istio-peer-exchange) the two engines ran before the bytes.
    proxy.awaitMetric(
        "istio_tcp_connections_opened_total",
        v -> v > before,
        Duration.ofSeconds(30),
        "reporter",
        "destination",
        "connection_security_policy",
        "mutual_tls",
        "source_principal",
        "spiffe://cluster.local/ns/default/sa/jdbc-client",
        "source_workload",
        "jdbc-client",
        "source_app",
        "jdbc-client");
  }

  @Test
  void plaintextToTheProxysPostgresPortIsRefusedUnderStrict() throws Exception {
    // PostgreSQL answers a plaintext startup message itself...
    assertThat(startupReply(new InetSocketAddress("127.0.0.1", postgresPort))).isEqualTo('R');
    // ...but the proxy in front of it, under STRICT, lets nothing through without mTLS.
    assertThat(startupReply(new InetSocketAddress(WORKLOAD_ADDRESS, SERVICE_PORT)))
        .isNotEqualTo('R');
  }

  /**
   * Sends PostgreSQL's plaintext startup message (protocol 3.0, user mesh) and returns the first
   * byte of the answer ({@code 'R'}: authentication), or 0 if the connection ends or stays silent.
   */
  private static char startupReply(InetSocketAddress address) throws IOException {
    byte[] params = "user\0mesh\0database\0postgres\0\0".getBytes(StandardCharsets.US_ASCII);
    ByteBuffer message = ByteBuffer.allocate(8 + params.length);
    message.putInt(8 + params.length).putInt(196608).put(params);
    try (Socket s = new Socket()) {
      s.connect(address, 2000);
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(message.array());
      out.flush();
      InputStream in = s.getInputStream();
      int first = in.read();
      return first < 0 ? 0 : (char) first;
    } catch (java.net.SocketException | java.net.SocketTimeoutException e) {
      return 0;
    }
  }

  private static Path serverBinaries() {
    try (Stream<Path> versions = Files.list(Path.of("/usr/lib/postgresql"))) {
      return versions
          .map(v -> v.resolve("bin"))
          .filter(bin -> Files.isExecutable(bin.resolve("postgres")))
          .max(
              Comparator.comparingInt(
                  bin -> Integer.parseInt(bin.getParent().getFileName().toString())))
          .orElseThrow(
              () -> new IllegalStateException("no PostgreSQL server in /usr/lib/postgresql"));
    } catch (IOException e) {
      throw new IllegalStateException(
          "PostgreSQL's server is not installed (Debian's package postgresql; .ci/run installs it)",
          e);
    }
  }
}
