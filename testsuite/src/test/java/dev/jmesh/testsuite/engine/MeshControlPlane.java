package dev.jmesh.testsuite.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.MeshPaths;
import dev.jmesh.testing.MeshedJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real control plane with its CA, serving a config directory that tests rewrite, and the join
 * tokens that give meshed JVMs their identities. One per test class.
 */
public final class MeshControlPlane {

  public static final Duration STARTUP = Duration.ofSeconds(45);

  private final ForkedJvms jvms;
  private final String host;
  private final Path work;
  private final Path configDir;
  private final Path caDir;
  private final int securePort;
  private final int httpPort;
  private final MeshedJvm jvm;

  private MeshControlPlane(
      ForkedJvms jvms,
      MeshedJvm jvm,
      String host,
      Path work,
      Path configDir,
      Path caDir,
      int securePort,
      int httpPort) {
    this.jvms = jvms;
    this.jvm = jvm;
    this.host = host;
    this.work = work;
    this.configDir = configDir;
    this.caDir = caDir;
    this.securePort = securePort;
    this.httpPort = httpPort;
  }

  public static MeshControlPlane start(ForkedJvms jvms, Path work) throws IOException {
    return start(jvms, work, "127.0.0.1");
  }

  /**
   * A control plane listening on {@code bind} (an IPv4 address), for workloads that cannot reach
   * this host's loopback: a proxy in a network namespace of its own.
   */
  public static MeshControlPlane start(ForkedJvms jvms, Path work, String bind) throws IOException {
    Path config = Files.createDirectories(work.resolve("config"));
    Path ca = work.resolve("ca");
    MeshedJvm controlPlane =
        jvms.start(
            MeshedJvm.java("control-plane")
                .jar(MeshPaths.controlPlaneJar())
                .args(
                    "--config-dir", config.toString(),
                    "--xds-port", "off",
                    "--http-port", "0",
                    "--ca-dir", ca.toString(),
                    "--secure-port", "0",
                    "--bind", bind)
                .withoutAgent());
    Matcher ports =
        controlPlane.awaitOutput(
            "HTTP on "
                + Pattern.quote(bind)
                + ":(\\d+), CA \\(TLS\\) on "
                + Pattern.quote(bind)
                + ":(\\d+)",
            STARTUP);
    return new MeshControlPlane(
        jvms,
        controlPlane,
        bind,
        work,
        config,
        ca,
        Integer.parseInt(ports.group(2)),
        Integer.parseInt(ports.group(1)));
  }

  /** {@code host:port} of the TLS port meshed JVMs connect to. */
  public String address() {
    return host + ":" + securePort;
  }

  /** The control plane's process, e.g. for its file-descriptor and thread counts. */
  public MeshedJvm jvm() {
    return jvm;
  }

  public int securePort() {
    return securePort;
  }

  public int httpPort() {
    return httpPort;
  }

  /** A join token for the identity, in an owner-only file. */
  public Path token(String namespace, String serviceAccount) throws IOException {
    MeshedJvm create =
        jvms.start(
            MeshedJvm.java("token-create")
                .jar(MeshPaths.controlPlaneJar())
                .args(
                    "token",
                    "create",
                    "--namespace",
                    namespace,
                    "--service-account",
                    serviceAccount,
                    "--ttl",
                    "1h",
                    "--ca-dir",
                    caDir.toString())
                .withoutAgent());
    assertThat(create.awaitExit(STARTUP)).as(create.output()).isZero();
    Path file =
        Files.createTempFile(
            work,
            serviceAccount,
            ".token",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, create.stdout().trim());
    return file;
  }

  /** Writes (or replaces) one config file, atomically, as an operator's tooling would. */
  public void apply(String name, String yaml) throws IOException {
    Path tmp = Files.createTempFile(work, name, ".tmp");
    Files.writeString(tmp, yaml);
    Files.move(
        tmp,
        configDir.resolve(name + ".yaml"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  public void delete(String name) throws IOException {
    Files.deleteIfExists(configDir.resolve(name + ".yaml"));
  }
}
