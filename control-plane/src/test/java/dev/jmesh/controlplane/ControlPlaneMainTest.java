package dev.jmesh.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.controlplane.internal.config.TestMesh;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ControlPlaneMainTest {
  @TempDir Path dir;
  final ByteArrayOutputStream out = new ByteArrayOutputStream();
  final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int run(String... args) throws Exception {
    return ControlPlaneMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void helpPrintsUsage() throws Exception {
    assertThat(run("--help")).isZero();
    assertThat(stdout()).contains("--config-dir DIR", "--xds-port N", "--http-port N", "analyze");
  }

  @Test
  void unknownFlagIsAUsageError() throws Exception {
    assertThat(run("--config-dri", dir.toString())).isEqualTo(2);
    assertThat(stderr()).contains("error: unknown option '--config-dri'", "--help");
  }

  @Test
  void missingConfigDirIsAUsageError() throws Exception {
    assertThat(run("--xds-port", "0")).isEqualTo(2);
    assertThat(stderr()).contains("--config-dir DIR is required");
    assertThat(run("--config-dir", dir.resolve("nope").toString())).isEqualTo(2);
    assertThat(stderr()).contains("does not exist");
  }

  @Test
  void badPortIsAUsageError() throws Exception {
    assertThat(run("--config-dir", dir.toString(), "--xds-port", "70000")).isEqualTo(2);
    assertThat(stderr()).contains("--xds-port: '70000' is not a port");
    assertThat(run("--config-dir", dir.toString(), "--http-port")).isEqualTo(2);
    assertThat(stderr()).contains("--http-port needs a value");
  }

  @Test
  void flagsAreParsed() throws Exception {
    ControlPlaneMain.Options o = ControlPlaneMain.parse(new String[] {
        "--config-dir=" + dir, "--xds-port", "0", "--http-port=0", "--bind", "::1"});
    assertThat(o.configDir()).isEqualTo(dir);
    assertThat(o.xdsPort()).isZero();
    assertThat(o.httpPort()).isZero();
    assertThat(o.bind()).isEqualTo("::1");
  }

  @Test
  void analyzePassesBookinfoAndNamesErrors() throws Exception {
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "dr.yaml",
        Files.readString(TestMesh.BOOKINFO_SAMPLES.resolve("destination-rule-all.yaml")));
    assertThat(run("analyze", dir.toString())).isZero();
    assertThat(stdout()).contains("No validation issues found");

    TestMesh.write(dir, "reviews.yaml", Files.readString(
        TestMesh.BOOKINFO_SAMPLES.resolve("virtual-service-reviews-80-20.yaml"))
        .replace("subset: v2", "subset: v4"));
    TestMesh.write(dir, "junk.yaml", "{{{ not yaml");
    assertThat(run("analyze", dir.toString())).isEqualTo(1);
    assertThat(stdout()).contains(
        dir.resolve("reviews.yaml") + ":16: VirtualService reviews: subset v4 is not defined by"
            + " any DestinationRule for host reviews",
        dir.resolve("junk.yaml") + ":1: not valid YAML",
        "2 error(s) found");
  }
}
