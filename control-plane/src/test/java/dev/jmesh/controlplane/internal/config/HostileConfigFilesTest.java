package dev.jmesh.controlplane.internal.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.jmesh.controlplane.internal.yaml.YamlLimits;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files no one should put in a config directory, each refused with an error naming the file (and
 * the line where known), within a bounded time, while the last good config stays in force.
 */
class HostileConfigFilesTest {
  /** Generous for a 2-core CI machine; each case takes milliseconds when the limits hold. */
  private static final Duration BOUND = Duration.ofSeconds(10);

  @TempDir Path root;
  Path dir;
  Path reviews;
  final ConfigStore store = new ConfigStore();

  @BeforeEach
  void goodConfig() {
    dir = root.resolve("mesh-config");
    TestMesh.write(dir, "services.yaml", TestMesh.resource("bookinfo/services.yaml"));
    TestMesh.write(dir, "reviews.yaml", ConfigStoreTest.REVIEWS_VS_V1.replace("subset: v1", ""));
    TestMesh.write(dir, "mesh.yaml", "trustDomain: example.org\n");
    reviews = dir.resolve("reviews.yaml");
    MeshSnapshot good = load();
    assertThat(TestMesh.errors(good)).isEmpty();
    assertThat(good.virtualServices()).hasSize(1);
  }

  private MeshSnapshot load() {
    return assertTimeoutPreemptively(BOUND, () -> TestMesh.load(store, dir));
  }

  /** Replaces reviews.yaml, reloads, and returns the one error; the VirtualService stays. */
  private String refusedReviews(String text) {
    TestMesh.write(dir, "reviews.yaml", text);
    return refused();
  }

  private String refused() {
    MeshSnapshot next = load();
    List<String> errors = TestMesh.errors(next);
    assertThat(errors).hasSize(1);
    assertThat(next.virtualServices()).as("last good VirtualService").hasSize(1);
    assertThat(next.registry().services()).hasSize(4);
    return errors.get(0);
  }

  @Test
  void garbageBytesAreNotUtf8() throws Exception {
    byte[] garbage = new byte[64 * 1024];
    new Random(12).nextBytes(garbage);
    garbage[10] = (byte) 0xC3; // a lead byte followed by no continuation byte
    garbage[11] = 'x';
    Files.write(reviews, garbage);
    assertThat(refused()).startsWith(reviews + ":").contains("is not UTF-8 text (byte ");
  }

  @Test
  void aBinaryFileIsNamedAsSuch() throws Exception {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 13, 'I', 'H'};
    Files.write(reviews, png);
    assertThat(refused())
        .isEqualTo(reviews + ":1: is not UTF-8 text (byte 0 is 0x89); config files are UTF-8"
            + " YAML. Is this a binary file? Move it out of the config directory");
  }

  @Test
  void controlCharactersAreNotYaml() {
    assertThat(refusedReviews("a: b\nc: \u0001\n"))
        .isEqualTo(reviews + ":2: not valid YAML: character 0x1 is not allowed in YAML; no resource"
            + " of this file was read");
  }

  @Test
  void aHundredMegabyteFileIsRefusedBeforeItIsRead() throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(reviews.toFile(), "rw")) {
      f.setLength(100L << 20); // sparse: nothing is written, the size is what counts
    }
    long start = System.nanoTime();
    assertThat(refused()).isEqualTo(reviews + ": is 104857600 bytes, over the limit of "
        + YamlLimits.MAX_FILE_BYTES + " bytes for one config file; split it into several files");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void billionLaughsIsRefusedByTheAliasLimit() {
    StringBuilder yaml = new StringBuilder("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int level = 1; level <= 9; level++) {
      yaml.append("l").append(level).append(": &l").append(level).append(" [");
      for (int i = 0; i < 9; i++) {
        yaml.append(i == 0 ? "" : ", ").append("*l").append(level - 1);
      }
      yaml.append("]\n");
    }
    assertThat(refusedReviews(yaml.toString()))
        .startsWith(reviews + ":").contains("not valid YAML").contains("aliases");
  }

  @Test
  void anAliasBombUnderTheAliasLimitIsRefusedByTheValueLimit() {
    // 6 levels x 8 aliases = 48 aliases, expanding to 8^6 = 262144 lists of 8 values.
    StringBuilder yaml = new StringBuilder("l0: &l0 [a, b, c, d, e, f, g, h]\n");
    for (int level = 1; level <= 6; level++) {
      yaml.append("l").append(level).append(": &l").append(level).append(" [");
      for (int i = 0; i < 8; i++) {
        yaml.append(i == 0 ? "" : ", ").append("*l").append(level - 1);
      }
      yaml.append("]\n");
    }
    assertThat(refusedReviews(yaml.toString()))
        .startsWith(reviews + ":")
        .contains("more than " + YamlLimits.MAX_VALUES + " values (counting what aliases expand");
  }

  @Test
  void anAliasInsideItselfIsRefused() {
    assertThat(refusedReviews("a: &x [b, *x]\n"))
        .startsWith(reviews + ":1: not valid YAML").contains("nested too deeply");
  }

  @Test
  void deepFlowNestingIsRefusedWithoutAStackOverflow() {
    int depth = 200_000;
    String yaml = "a: " + "[".repeat(depth) + "]".repeat(depth) + "\n";
    assertThat(refusedReviews(yaml))
        .isEqualTo(reviews + ":1: not valid YAML: maps and lists are nested more than "
            + YamlLimits.MAX_DEPTH + " deep; no resource of this file was read");
  }

  @Test
  void deepBlockNestingNamesTheLine() {
    StringBuilder yaml = new StringBuilder();
    for (int i = 0; i < 200; i++) {
      yaml.append("  ".repeat(i)).append("k:\n");
    }
    // The top map opens on line 1 and the map under line n on line n + 1: the 65th opens on 65.
    assertThat(refusedReviews(yaml.toString()))
        .startsWith(reviews + ":65: not valid YAML: maps and lists are nested more than 64 deep");
  }

  @Test
  void aHugeScalarIsRefused() {
    String yaml = ConfigStoreTest.REVIEWS_VS_V1 + "  exportTo:\n  - "
        + "x".repeat(YamlLimits.MAX_SCALAR_CHARS + 1) + "\n";
    assertThat(refusedReviews(yaml)).isEqualTo(reviews + ":14: not valid YAML: a value of "
        + (YamlLimits.MAX_SCALAR_CHARS + 1) + " characters is over the limit of "
        + YamlLimits.MAX_SCALAR_CHARS + "; no resource of this file was read");
  }

  @Test
  void duplicateKeysNameTheLineOfTheSecond() {
    String yaml = ConfigStoreTest.REVIEWS_VS_V1.replace("  name: reviews\n",
        "  name: reviews\n  name: ratings\n");
    assertThat(refusedReviews(yaml)).isEqualTo(reviews + ":5: not valid YAML: key 'name' appears"
        + " twice in the same map; no resource of this file was read");
  }

  @Test
  void aTagNamingAJavaClassIsRefusedNotConstructed() {
    String yaml = "apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n"
        + "  name: !!javax.script.ScriptEngineManager [!!java.net.URLClassLoader"
        + " [[!!java.net.URL [\"http://127.0.0.1:1/\"]]]]\n";
    assertThat(refusedReviews(yaml)).isEqualTo(reviews + ":4: not valid YAML: tag"
        + " !!javax.script.ScriptEngineManager is not allowed: config is plain YAML (text, numbers,"
        + " true/false, lists, maps); remove the tag; no resource of this file was read");
  }

  @Test
  void plainTagsAreStillRead() {
    String yaml = ConfigStoreTest.REVIEWS_VS_V1.replace("subset: v1", "")
        .replace("name: reviews", "name: !!str reviews");
    TestMesh.write(dir, "reviews.yaml", yaml);
    MeshSnapshot next = load();
    assertThat(TestMesh.errors(next)).isEmpty();
    assertThat(next.virtualServices()).hasSize(1);
  }

  @Test
  void anOversizedMeshYamlKeepsTheLastGoodMeshConfig() throws Exception {
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("mesh.yaml").toFile(), "rw")) {
      f.setLength(YamlLimits.MAX_FILE_BYTES + 1L);
    }
    MeshSnapshot next = load();
    assertThat(TestMesh.errors(next)).singleElement().asString()
        .startsWith(dir.resolve("mesh.yaml") + ": MeshConfig: is " + (YamlLimits.MAX_FILE_BYTES + 1)
            + " bytes, over the limit");
    assertThat(next.meshConfig().trustDomain()).isEqualTo("example.org");
  }
}
