package dev.jmesh.testsuite;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.testing.ForkedJvms;
import dev.jmesh.testing.MeshPaths;
import dev.jmesh.testing.MeshedJvm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code JAVA_TOOL_OPTIONS=-javaagent:mesh.jar} in a build image does no harm: JDK tools and
 * excluded main classes leave the agent inactive.
 */
class JdkToolsTest {

  private static final String SOCKET_APP_MAIN = "dev.jmesh.testapps.socket.SocketApp";

  @RegisterExtension static final ForkedJvms jvms = new ForkedJvms();

  @Test
  void javacCompilesAWorkingClassAndTheAgentStaysInactive(@TempDir Path dir) throws IOException {
    Path source = dir.resolve("src/Hello.java");
    Files.createDirectories(source.getParent());
    Files.writeString(
        source,
        "public class Hello {\n"
            + "  public static void main(String[] args) {\n"
            + "    System.out.println(\"hello from javac\");\n"
            + "  }\n"
            + "}\n");
    Path classes = dir.resolve("classes");

    MeshedJvm javac =
        jvms.start(
            MeshedJvm.tool("javac", "javac")
                .withAgentInJavaToolOptions()
                .env("MESH_SERVICE", "x")
                .args("-d", classes.toString(), source.toString()));
    assertThat(javac.awaitExit(Timeouts.EXIT)).as("javac exit code").isZero();
    assertThat(javac.linesMatching("^\\[jmesh\\] inactive"))
        .singleElement()
        .as("the reason names the tool")
        .satisfies(line -> assertThat(line).containsPattern("(?i)javac"));
    assertThat(javac.linesMatching("^\\[jmesh\\] (admin|metrics) ")).isEmpty();

    MeshedJvm hello = jvms.start(MeshedJvm.java("hello").mainClass("Hello", classes));
    assertThat(hello.awaitExit(Timeouts.EXIT)).isZero();
    assertThat(hello.stdout()).isEqualTo("hello from javac");
  }

  @Test
  void anExcludedMainClassStaysInactive() {
    MeshedJvm app =
        jvms.start(
            MeshedJvm.java("excluded-main-class")
                .mainClass(SOCKET_APP_MAIN, MeshPaths.testAppJar("socket-app"))
                .withAgent()
                .env("MESH_EXCLUDE_MAIN_CLASSES", SOCKET_APP_MAIN));
    assertExcludedAndWorking(app);
  }

  @Test
  void anExcludedMainClassStaysInactiveWhenLaunchedWithDashJar() {
    MeshedJvm app =
        jvms.start(
            MeshedJvm.java("excluded-main-class-jar")
                .testApp("socket-app")
                .withAgent()
                .env("MESH_EXCLUDE_MAIN_CLASSES", SOCKET_APP_MAIN));
    assertExcludedAndWorking(app);
  }

  private static void assertExcludedAndWorking(MeshedJvm app) {
    app.awaitOutput("^RESULT (ok|fail) round=1", Timeouts.STARTUP);
    // Either line settles it; waiting for "inactive" alone would sit out the timeout.
    assertThat(app.awaitOutput("^\\[jmesh\\] (inactive|admin).*", Timeouts.STARTUP).group())
        .as("%s with MESH_EXCLUDE_MAIN_CLASSES=%s: the agent's first word", app.name(), SOCKET_APP_MAIN)
        .startsWith("[jmesh] inactive");
    assertThat(app.linesMatching("^RESULT ")).containsExactly("RESULT ok round=1 echoes=4");
    assertThat(app.linesMatching("^\\[jmesh\\] inactive"))
        .singleElement()
        .as("the reason names the exclusion")
        .satisfies(line -> assertThat(line).containsPattern("(?i)(exclu|SocketApp)"));
    assertThat(app.linesMatching("^\\[jmesh\\] (admin|metrics) ")).isEmpty();
  }
}
