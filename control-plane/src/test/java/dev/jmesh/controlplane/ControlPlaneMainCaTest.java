package dev.jmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.ca.api.JoinToken;
import dev.jmesh.controlplane.ca.CaDirectory;
import dev.jmesh.controlplane.ca.token.JoinTokens;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CA's command line: {@code token ...}, {@code ca ...} and the CA flags of a run. */
class ControlPlaneMainCaTest {
  @TempDir Path tmp;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) throws Exception {
    out.reset();
    err.reset();
    return ControlPlaneMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void tokenCreatePrintsOnlyTheTokenAndMakesTheCaDirectory() throws Exception {
    Path ca = tmp.resolve("ca");
    assertThat(run("token", "create", "--namespace", "default", "--service-account", "reviews",
        "--ttl", "2h", "--ca-dir", ca.toString())).isZero();
    String token = out().strip();
    assertThat(token).doesNotContain("\n").startsWith("jmesh1.");
    JoinToken.Claims claims = JoinToken.parse(token).claims();
    assertThat(claims.namespace()).isEqualTo("default");
    assertThat(claims.serviceAccount()).isEqualTo("reviews");
    assertThat(claims.expiresAt()).isBetween(Instant.now().plus(Duration.ofMinutes(119)),
        Instant.now().plus(Duration.ofMinutes(121)));
    assertThat(claims.rootFingerprints()).containsExactly(
        new CaDirectory(ca).load().signer().rootFingerprint());
    assertThat(err()).contains("join token " + claims.id(), "default/reviews", "sha256:");
    assertThat(err()).doesNotContain(token);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ca)))
        .isEqualTo("rwx------");
    assertThat(JoinTokens.open(ca).authenticate(token).isAuthenticated()).isTrue();

    assertThat(run("token", "revoke", claims.id(), "--ca-dir", ca.toString())).isZero();
    assertThat(out()).contains("revoked join token " + claims.id());
    assertThat(JoinTokens.open(ca).authenticate(token).refusal().label()).isEqualTo("revoked");
  }

  @Test
  void switchingThePlaintextPortOffNeedsTheCa() throws Exception {
    Path config = Files.createDirectory(tmp.resolve("config"));
    assertThat(run("--config-dir", config.toString(), "--xds-port", "off")).isEqualTo(2);
    assertThat(err()).contains("--xds-port off leaves no xDS port: add --ca-dir");
  }

  @Test
  void badTokenCommandsSayWhat() throws Exception {
    assertThat(run("token", "create", "--namespace", "default", "--ca-dir",
        tmp.resolve("ca").toString())).isEqualTo(2);
    assertThat(err()).contains("--namespace and --service-account");
    assertThat(run("token", "create", "--namespace", "default", "--service-account", "r",
        "--ttl", "forever", "--ca-dir", tmp.resolve("ca").toString())).isEqualTo(2);
    assertThat(err()).contains("'forever' is not a duration");
    assertThat(run("token", "create", "--namespace", "Bad_NS", "--service-account", "r",
        "--ca-dir", tmp.resolve("ca").toString())).isEqualTo(2);
    assertThat(err()).contains("DNS-1123");
    assertThat(run("token", "revoke", "xyz", "--ca-dir", tmp.resolve("ca").toString()))
        .isEqualTo(2);
    assertThat(err()).contains("16 hex digits");
    assertThat(run("ca", "rotate", "sideways", "--ca-dir", tmp.resolve("ca").toString()))
        .isEqualTo(2);
  }

  @Test
  void caRotateWalksThroughItsThreeSteps() throws Exception {
    String dir = tmp.resolve("ca").toString();
    assertThat(run("token", "create", "--namespace", "a", "--service-account", "b",
        "--ca-dir", dir)).isZero();
    assertThat(run("ca", "rotate", "activate", "--ca-dir", dir)).isEqualTo(1);
    assertThat(err()).contains("run 'ca rotate start' first");
    assertThat(run("ca", "rotate", "start", "--ca-dir", dir)).isZero();
    assertThat(run("ca", "status", "--ca-dir", dir)).isZero();
    assertThat(out()).contains("rotation started").containsOnlyOnce("signing:");
    assertThat(out().lines().filter(l -> l.startsWith("trusted root"))).hasSize(2);
    // A token made now pins both roots, so it verifies the server before and after activation.
    assertThat(run("token", "create", "--namespace", "a", "--service-account", "b",
        "--ca-dir", dir)).isZero();
    assertThat(JoinToken.parse(out().strip()).claims().rootFingerprints()).hasSize(2);
    assertThat(run("ca", "rotate", "activate", "--ca-dir", dir)).isZero();
    assertThat(run("ca", "status", "--ca-dir", dir)).isZero();
    assertThat(out()).contains("rotation activated");
    assertThat(run("ca", "rotate", "complete", "--ca-dir", dir)).isZero();
    assertThat(run("ca", "status", "--ca-dir", dir)).isZero();
    assertThat(out()).contains("steady");
    assertThat(out().lines().filter(l -> l.startsWith("trusted root"))).hasSize(1);
  }

  @Test
  void caFlagsAreParsed() throws Exception {
    Path config = Files.createDirectory(tmp.resolve("cfg"));
    ControlPlaneMain.Options o = ControlPlaneMain.parse(new String[] {"--config-dir",
        config.toString(), "--ca-dir", tmp.resolve("ca").toString(), "--secure-port", "0",
        "--max-cert-ttl", "7d"});
    assertThat(o.caDir()).isEqualTo(tmp.resolve("ca"));
    assertThat(o.securePort()).isZero();
    assertThat(o.maxCertTtl()).isEqualTo(Duration.ofDays(7));
    assertThat(run("--config-dir", config.toString(), "--ca-dir", "x", "--secure-port",
        "15010")).isEqualTo(2);
    assertThat(err()).contains("--secure-port 15010 is also the xDS or HTTP port");
    assertThat(run("--config-dir", config.toString(), "--max-cert-ttl", "soon")).isEqualTo(2);
    assertThat(run("--help")).isZero();
    assertThat(out()).contains("--ca-dir DIR", "--secure-port N", "token create", "ca rotate");
  }
}
