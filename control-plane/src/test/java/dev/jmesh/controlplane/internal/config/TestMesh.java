package dev.jmesh.controlplane.internal.config;

import dev.jmesh.controlplane.config.Diagnostic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;

/** Builds config directories and snapshots for tests. */
public final class TestMesh {
  private TestMesh() {}

  /** Istio's bookinfo samples, unchanged, as shipped in ../shared. */
  public static final Path BOOKINFO_SAMPLES = findSamples();

  private static Path findSamples() {
    Path p = Paths.get("").toAbsolutePath();
    for (int i = 0; i < 5 && p != null; i++, p = p.getParent()) {
      Path candidate = p.resolve("shared/istio-samples/bookinfo");
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
      candidate = p.resolve("../shared/istio-samples/bookinfo").normalize();
      if (Files.isDirectory(candidate)) {
        return candidate;
      }
    }
    return Paths.get("/work/shared/istio-samples/bookinfo");
  }

  public static String resource(String name) {
    try (var in = TestMesh.class.getResourceAsStream("/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static void write(Path dir, String file, String text) {
    try {
      Path p = dir.resolve(file);
      Files.createDirectories(p.getParent());
      Path tmp = p.resolveSibling("." + p.getFileName() + ".tmp");
      Files.writeString(tmp, text);
      Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Loads a directory once through a fresh store. */
  public static MeshSnapshot load(Path dir) {
    return load(new ConfigStore(), dir);
  }

  public static MeshSnapshot load(ConfigStore store, Path dir) {
    try {
      return store.apply(List.of(new DirectoryConfigSource(dir).read()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A snapshot of files given as name/text pairs. */
  public static MeshSnapshot of(Path dir, String... nameAndText) {
    for (int i = 0; i < nameAndText.length; i += 2) {
      write(dir, nameAndText[i], nameAndText[i + 1]);
    }
    return load(dir);
  }

  public static List<String> errors(MeshSnapshot snapshot) {
    return snapshot.diagnostics().stream().filter(Diagnostic::isError).map(Diagnostic::format)
        .collect(Collectors.toList());
  }
}
