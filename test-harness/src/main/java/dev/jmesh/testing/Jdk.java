package dev.jmesh.testing;

import java.nio.file.Files;
import java.nio.file.Path;

/** The JDKs a forked JVM can run on. A missing JDK fails the test loudly, never skips it. */
public enum Jdk {
  /** The test JVM's own {@code java.home} when it is a JDK 17, else the Debian OpenJDK 17. */
  JDK17 {
    @Override
    public Path home() {
      if (Runtime.version().feature() == 17) {
        return Path.of(System.getProperty("java.home"));
      }
      return require(Path.of("/usr/lib/jvm/java-17-openjdk-amd64"), "the Debian OpenJDK 17");
    }
  },
  /** System property {@code jdk25.home}, by default the Temurin JDK 25. */
  JDK25 {
    @Override
    public Path home() {
      return require(
          Path.of(System.getProperty("jdk25.home", "/usr/lib/jvm/temurin-25-jdk-amd64")),
          "JDK 25 (set -Djdk25.home)");
    }
  };

  public abstract Path home();

  /** {@code bin/java} of this JDK. */
  public Path java() {
    return tool("java");
  }

  /** A launcher in {@code bin/}: {@code javac}, {@code jar}, {@code jcmd}... */
  public Path tool(String name) {
    Path tool = home().resolve("bin").resolve(name);
    if (!Files.isExecutable(tool)) {
      throw new IllegalStateException(this + ": no executable " + tool);
    }
    return tool;
  }

  private static Path require(Path home, String what) {
    if (!Files.isExecutable(home.resolve("bin/java"))) {
      throw new IllegalStateException(what + " not found: " + home + "/bin/java is missing");
    }
    return home;
  }
}
