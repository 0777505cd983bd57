package dev.jmesh.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the build left {@code mesh.jar} and the test applications.
 *
 * <p>System properties {@code jmesh.agent.jar} and {@code jmesh.root} win; otherwise the project
 * root is found by walking up from {@code user.dir} to the POM of {@code jmesh-parent}.
 */
public final class MeshPaths {

  private MeshPaths() {}

  /** The project root (the directory of {@code jmesh-parent}'s POM). */
  public static Path root() {
    String configured = System.getProperty("jmesh.root");
    if (configured != null && !configured.isBlank()) {
      return Path.of(configured).toAbsolutePath().normalize();
    }
    for (Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        dir != null;
        dir = dir.getParent()) {
      if (isProjectRoot(dir)) {
        return dir;
      }
    }
    throw new IllegalStateException(
        "jmesh project root not found above " + System.getProperty("user.dir")
            + "; set -Djmesh.root");
  }

  /** {@code mesh.jar}; an {@link AssertionError} saying "mesh.jar not built" if it is missing. */
  public static Path agentJar() {
    String configured = System.getProperty("jmesh.agent.jar");
    Path jar =
        configured != null && !configured.isBlank()
            ? Path.of(configured).toAbsolutePath().normalize()
            : root().resolve("agent/target/mesh.jar");
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(
          "mesh.jar not built: " + jar + " does not exist (build it with"
              + " `mvn -q -o install -pl agent -am`)");
    }
    return jar;
  }

  /** The control plane's runnable jar, {@code control-plane/target/control-plane.jar}. */
  public static Path controlPlaneJar() {
    Path jar = root().resolve("control-plane/target/control-plane.jar");
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError("control-plane.jar not built: " + jar + " does not exist (build it"
          + " with `mvn -q -o install -pl control-plane`)");
    }
    return jar;
  }

  /** The runnable jar of a test application, {@code test-apps/NAME/target/NAME.jar}. */
  public static Path testAppJar(String name) {
    Path jar = root().resolve("test-apps").resolve(name).resolve("target").resolve(name + ".jar");
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(
          "test app not built: " + jar + " does not exist (build it with"
              + " `mvn -q -o install -pl test-apps/" + name + "`)");
    }
    return jar;
  }

  private static boolean isProjectRoot(Path dir) {
    Path pom = dir.resolve("pom.xml");
    if (!Files.isRegularFile(pom)) {
      return false;
    }
    try {
      return Files.readString(pom).contains("<artifactId>jmesh-parent</artifactId>")
          && Files.isDirectory(dir.resolve("agent"));
    } catch (IOException e) {
      return false;
    }
  }
}
