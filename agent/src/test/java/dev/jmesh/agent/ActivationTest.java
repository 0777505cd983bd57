package dev.jmesh.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ActivationTest {

  private static final String[] PROPERTIES = {
    "sun.java.command", "jmesh.service", "jmesh.excludeMainClasses"
  };

  private final String[] saved = new String[PROPERTIES.length];

  @BeforeEach
  void saveProperties() {
    for (int i = 0; i < PROPERTIES.length; i++) {
      saved[i] = System.getProperty(PROPERTIES[i]);
      System.clearProperty(PROPERTIES[i]);
    }
  }

  @AfterEach
  void restoreProperties() {
    for (int i = 0; i < PROPERTIES.length; i++) {
      if (saved[i] == null) {
        System.clearProperty(PROPERTIES[i]);
      } else {
        System.setProperty(PROPERTIES[i], saved[i]);
      }
    }
  }

  /** The environment of the build must not configure the settings these tests leave unset. */
  private static void assumeNoMeshEnvironment() {
    assumeTrue(System.getenv("MESH_SERVICE") == null, "MESH_SERVICE is set in the environment");
    assumeTrue(System.getenv("MESH_EXCLUDE_MAIN_CLASSES") == null,
        "MESH_EXCLUDE_MAIN_CLASSES is set in the environment");
  }

  @ParameterizedTest
  @CsvSource({
    "org.apache.maven.cling.MavenCling, org.apache.maven.*, true",
    "org.apache.maven, org.apache.maven.*, false",
    "xorg.apache.maven.Main, org.apache.maven.*, false",
    "com.example.Main, com.example.Main, true",
    "com.example.Main2, com.example.Main, false",
    "com.example.Main, *.Main, true",
    "com.example.Main, *, true",
    "abc, a*b*c, true",
    "a-b-c-, a*b*c, false",
    "acb, a*b*c, false",
    "ab, a**b, true",
    "org_apache_Main, org.apache.*, false",
  })
  void matchesGlob(String text, String glob, boolean expected) {
    assertThat(Activation.matchesGlob(text, glob)).isEqualTo(expected);
  }

  @Test
  void matchesGlobOnEmptyStrings() {
    assertThat(Activation.matchesGlob("", "*")).isTrue();
    assertThat(Activation.matchesGlob("", "")).isTrue();
    assertThat(Activation.matchesGlob("a", "")).isFalse();
    assertThat(Activation.matchesGlob("", "a")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "com.sun.tools.javac.Main Foo.java",
    "jdk.compiler/com.sun.tools.javac.Main",
    "jdk.jshell/jdk.internal.jshell.tool.JShellToolProvider",
    "sun.tools.jps.Jps -l",
    "sun.security.tools.keytool.Main -list",
    "jdk.jcmd/sun.tools.jcmd.JCmd 1234 Thread.print",
  })
  void jdkToolsStayInactiveEvenWithAService(String command) {
    System.setProperty("sun.java.command", command);
    String main = command.split(" ")[0];
    assertThat(Activation.inactiveReason("service=reviews")).isEqualTo("JDK tool " + main);
  }

  @Test
  void noServiceConfigured() {
    assumeNoMeshEnvironment();
    System.setProperty("sun.java.command", "com.example.App");
    String expected = "no service configured (set MESH_SERVICE, -Djmesh.service or"
        + " -javaagent:mesh.jar=service=NAME)";
    assertThat(Activation.inactiveReason(null)).isEqualTo(expected);
    assertThat(Activation.inactiveReason("")).isEqualTo(expected);
    assertThat(Activation.inactiveReason("service= ,namespace=bookinfo")).isEqualTo(expected);
    System.setProperty("jmesh.service", " ");
    assertThat(Activation.inactiveReason(null)).isEqualTo(expected);
  }

  @Test
  void serviceFromAgentArgumentOrSystemPropertyActivates() {
    assumeNoMeshEnvironment();
    System.setProperty("sun.java.command", "com.example.App --port 8080");
    assertThat(Activation.inactiveReason("namespace=bookinfo, service = reviews")).isNull();
    System.setProperty("jmesh.service", "reviews");
    assertThat(Activation.inactiveReason(null)).isNull();
  }

  @Test
  void excludedMainClassFromAgentArgument() {
    assumeNoMeshEnvironment();
    System.setProperty("sun.java.command", "com.example.Tool arg");
    assertThat(Activation.inactiveReason("service=reviews,excludeMainClasses=com.example.*"))
        .isEqualTo("main class com.example.Tool matches excludeMainClasses pattern com.example.*");
    assertThat(Activation.inactiveReason("service=reviews,excludeMainClasses=org.other.*"))
        .isNull();
    assertThat(Activation.inactiveReason(
            "excludeMainClasses=org.other.*,com.example.*,service=reviews"))
        .as("an item without '=' continues the list before it")
        .isEqualTo("main class com.example.Tool matches excludeMainClasses pattern com.example.*");
  }

  @Test
  void excludedMainClassFromSystemPropertyList() {
    assumeNoMeshEnvironment();
    System.setProperty("sun.java.command", "com.example.Tool");
    System.setProperty("jmesh.excludeMainClasses", "org.apache.maven.*, com.example.Tool ,");
    assertThat(Activation.inactiveReason("service=reviews"))
        .isEqualTo("main class com.example.Tool matches excludeMainClasses pattern"
            + " com.example.Tool");
    System.setProperty("sun.java.command", "com.example.ToolKit");
    assertThat(Activation.inactiveReason("service=reviews")).isNull();
  }

  @Test
  void agentArgumentExclusionOverridesSystemProperty() {
    assumeNoMeshEnvironment();
    System.setProperty("sun.java.command", "com.example.Tool");
    System.setProperty("jmesh.excludeMainClasses", "com.example.*");
    assertThat(Activation.inactiveReason("service=reviews,excludeMainClasses=org.other.*"))
        .isNull();
  }

  @Test
  void mainClassOfAJarComesFromItsManifest(@TempDir Path dir) throws Exception {
    assumeNoMeshEnvironment();
    Path jar = dir.resolve("maven.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "org.apache.maven.cling.MavenCling");
    try (OutputStream out = Files.newOutputStream(jar);
        JarOutputStream jarOut = new JarOutputStream(out, manifest)) {
      jarOut.flush();
    }
    System.setProperty("sun.java.command", jar + " -v");
    assertThat(Activation.mainClass()).isEqualTo("org.apache.maven.cling.MavenCling");
    System.setProperty("jmesh.excludeMainClasses", "org.apache.maven.*");
    assertThat(Activation.inactiveReason("service=reviews"))
        .isEqualTo("main class org.apache.maven.cling.MavenCling matches excludeMainClasses"
            + " pattern org.apache.maven.*");
  }

  @Test
  void unreadableJarIsItsOwnMainClass(@TempDir Path dir) {
    String missing = dir.resolve("absent.jar").toString();
    System.setProperty("sun.java.command", missing);
    assertThat(Activation.mainClass()).isEqualTo(missing);
  }
}
