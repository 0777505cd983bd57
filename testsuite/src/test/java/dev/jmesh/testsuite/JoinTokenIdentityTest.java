package dev.jmesh.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.MeshPaths;
import dev.jmesh.testing.MeshedJvm;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.regex.Matcher;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A meshed JVM given only a join token and the control plane's TLS address: it verifies the
 * control plane against the root the token pins, gets its certificate for the token's identity,
 * and takes its configuration over the same connection. A token pinning another root makes the
 * workload refuse the control plane.
 */
class JoinTokenIdentityTest {

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  @TempDir static Path work;

  private static MeshedJvm controlPlane;
  private static Path caDir;
  private static int securePort;
  private static int httpPort;

  @BeforeAll
  static void start() throws IOException {
    Path config = Files.createDirectory(work.resolve("config"));
    try (InputStream services =
        JoinTokenIdentityTest.class.getResourceAsStream("/mesh-config/services.yaml")) {
      Files.copy(services, config.resolve("services.yaml"));
    }
    caDir = work.resolve("ca");
    controlPlane = jvms.start(MeshedJvm.java("control-plane")
        .jar(MeshPaths.controlPlaneJar())
        .args("--config-dir", config.toString(), "--xds-port", "0", "--http-port", "0",
            "--ca-dir", caDir.toString(), "--secure-port", "0")
        .withoutAgent());
    Matcher ports = controlPlane.awaitOutput(
        "HTTP on 127\\.0\\.0\\.1:(\\d+), CA \\(TLS\\) on 127\\.0\\.0\\.1:(\\d+)",
        Timeouts.STARTUP);
    httpPort = Integer.parseInt(ports.group(1));
    securePort = Integer.parseInt(ports.group(2));
  }

  /** Runs {@code token create} and writes the token to an owner-only file. */
  private static Path token(Path dir, String namespace, String serviceAccount) throws Exception {
    MeshedJvm create = jvms.start(MeshedJvm.java("token-create")
        .jar(MeshPaths.controlPlaneJar())
        .args("token", "create", "--namespace", namespace, "--service-account", serviceAccount,
            "--ttl", "1h", "--ca-dir", dir.toString())
        .withoutAgent());
    assertThat(create.awaitExit(Timeouts.STARTUP)).as(create.output()).isZero();
    Path file = Files.createTempFile(work, serviceAccount, ".token",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(file, create.stdout().trim());
    return file;
  }

  private static MeshedJvm workload(String service, Path tokenFile) {
    MeshedJvm app = jvms.start(MeshedJvm.java(service)
        .testApp("socket-app").args("http", "0").withAgent()
        .env("MESH_SERVICE", service)
        .env("MESH_CONTROL_PLANE", "127.0.0.1:" + securePort)
        .env("MESH_TOKEN_FILE", tokenFile.toString()));
    app.awaitReady(Timeouts.STARTUP);
    return app;
  }

  @Test
  void aTokenAloneGetsTheWorkloadItsCertificateAndItsConfig() throws Exception {
    Path token = token(caDir, "default", "reviews");
    MeshedJvm reviews = workload("reviews", token);
    Awaitility.await().atMost(Timeouts.WORK)
        .until(() -> reviews.httpGet("certs").body().contains("\"serial\""));
    String certs = reviews.httpGet("certs").body();
    assertThat(certs)
        .contains("\"identity\": \"spiffe://cluster.local/ns/default/sa/reviews\"")
        .contains("\"sha256\": \"" + fingerprint(caDir.resolve("root-cert.pem")) + "\"")
        .contains("\"failures\": 0");
    // xDS over the same verified connection, authenticated by the token.
    Awaitility.await().atMost(Timeouts.WORK)
        .until(() -> reviews.httpGet("config_dump").body().contains("\"connected\": true"));
    Awaitility.await().atMost(Timeouts.WORK).until(() -> reviews.httpGet("config_dump").body()
        .matches("(?s).*\"CLUSTER\": \\{\\s+\"version\": \"1\".*"));
    // Its server registered it, as the identity the token proved.
    // (services.yaml's WorkloadEntries for reviews have service account bookinfo-reviews.)
    Awaitility.await().atMost(Timeouts.WORK)
        .until(() -> registryz().contains("\"serviceAccount\": \"reviews\""));
    // The token is a secret: neither the output nor the admin pages show it.
    String secret = Files.readString(token).trim();
    assertThat(reviews.output()).doesNotContain(secret);
    assertThat(reviews.httpGet("config_dump").body()).doesNotContain(secret);
    assertThat(certs).doesNotContain(secret);
  }

  @Test
  void aTokenPinningAnotherRootRefusesTheControlPlane() throws Exception {
    // A CA directory of its own (token create makes it): the token is well formed, but pins a
    // root this control plane does not have.
    Path otherCa = work.resolve("other-ca");
    Path token = token(otherCa, "default", "ratings");
    MeshedJvm ratings = workload("ratings", token);
    Awaitility.await().atMost(Timeouts.WORK)
        .until(() -> ratings.httpGet("certs").body().contains("\"lastFailure\": \""));
    String certs = ratings.httpGet("certs").body();
    assertThat(certs).contains("\"certificate\": null").contains("UNAVAILABLE");
    assertThat(ratings.httpGet("config_dump").body()).contains("\"connected\": false");
  }

  private static String registryz() throws Exception {
    return java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + httpPort + "/debug/registryz")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString()).body();
  }

  private static String fingerprint(Path pem) throws Exception {
    X509Certificate root = (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(pem)));
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(root.getEncoded()));
  }
}
