package dev.jmesh.controlplane.internal.config;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;

import dev.jmesh.controlplane.config.ConfigResource;
import dev.jmesh.controlplane.config.ConfigSource;
import dev.jmesh.controlplane.config.Diagnostic;
import dev.jmesh.controlplane.config.Location;
import dev.jmesh.controlplane.config.MeshConfig;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A directory of Istio YAML, read recursively ({@code *.yaml}, {@code *.yml}), with
 * {@code mesh.yaml} at its top holding the MeshConfig. Files are named in errors as the user
 * named the directory, so {@code --config-dir mesh-config} gives {@code mesh-config/reviews.yaml}.
 */
public final class DirectoryConfigSource implements ConfigSource {
  private static final Logger logger = Logger.getLogger(DirectoryConfigSource.class.getName());
  public static final String MESH_FILE = "mesh.yaml";

  private final Path dir;
  private volatile WatchService watcher;
  private volatile Thread watchThread;
  /** Files parse once per content: a change to one file re-parses only that file. */
  private final java.util.Map<Path, ParsedFile> parsedFiles =
      new java.util.concurrent.ConcurrentHashMap<>();

  private record ParsedFile(String text, ResourceParser.FileContents contents) {}

  public DirectoryConfigSource(Path dir) {
    this.dir = dir;
  }

  @Override
  public String name() {
    return "dir:" + dir;
  }

  public Path directory() {
    return dir;
  }

  @Override
  public synchronized Contents read() throws IOException {
    List<ConfigResource> resources = new ArrayList<>();
    List<Diagnostic> diagnostics = new ArrayList<>();
    MeshConfig mesh = null;
    java.util.Set<Path> seen = new java.util.HashSet<>();
    for (Path file : yamlFiles()) {
      String display = file.toString();
      boolean meshFile =
          file.getParent().equals(dir) && file.getFileName().toString().equals(MESH_FILE);
      String text;
      try {
        text = ConfigFileText.read(file);
      } catch (ConfigFileText.Refused e) {
        // A file error (no resource named) keeps what the file held; for mesh.yaml, naming the
        // MeshConfig keeps the last good one.
        diagnostics.add(Diagnostic.error(new Location(display, e.line),
            meshFile ? ResourceParser.MESH_ID : null, e.getMessage()));
        seen.add(file);
        continue;
      } catch (IOException e) {
        // Deleted between listing and reading: the next watch event brings the truth.
        if (Files.exists(file)) {
          diagnostics.add(Diagnostic.error(new Location(display, 0), null,
              "cannot be read: " + e.getMessage()));
        }
        continue;
      }
      if (meshFile) {
        mesh = ResourceParser.parseMeshConfig(display, text, diagnostics);
        continue;
      }
      ResourceParser.FileContents parsed;
      ParsedFile cached = parsedFiles.get(file);
      if (cached != null && cached.text().equals(text)) {
        parsed = cached.contents();
      } else {
        parsed = ResourceParser.parseResources(display, text);
        parsedFiles.put(file, new ParsedFile(text, parsed));
      }
      seen.add(file);
      resources.addAll(parsed.resources());
      diagnostics.addAll(parsed.diagnostics());
    }
    parsedFiles.keySet().retainAll(seen);
    return new Contents(mesh, resources, diagnostics);
  }

  /** The YAML files under the root, sorted; a file that vanishes during the walk is skipped. */
  private List<Path> yamlFiles() throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new IOException(dir + " is not a directory");
    }
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path p, BasicFileAttributes attrs) {
        String n = p.getFileName().toString();
        if (Files.isRegularFile(p) && !n.startsWith(".")
            && (n.endsWith(".yaml") || n.endsWith(".yml"))) {
          files.add(p);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        return FileVisitResult.CONTINUE;
      }
    });
    files.sort(null);
    return files;
  }

  @Override
  public synchronized void watch(ChangeListener listener) throws IOException {
    if (watcher != null) {
      throw new IllegalStateException("already watching " + dir);
    }
    WatchService ws = dir.getFileSystem().newWatchService();
    watcher = ws;
    registerAll(ws);
    Thread t = new Thread(() -> watchLoop(ws, listener), "jmesh-config-watch");
    t.setDaemon(true);
    watchThread = t;
    t.start();
  }

  /**
   * Watches every directory under the root. Entries that vanish while the tree is walked
   * (an editor's or {@code kubectl}'s temporary file renamed into place) are skipped: the
   * walk must not fail, or the watch would end.
   */
  private void registerAll(WatchService ws) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
        try {
          d.register(ws, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
        } catch (IOException e) {
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        return FileVisitResult.CONTINUE;
      }
    });
  }

  private void watchLoop(WatchService ws, ChangeListener listener) {
    try {
      while (true) {
        WatchKey key = ws.take();
        key.pollEvents();
        key.reset();
        try {
          // A new subdirectory needs watching too; registering twice is harmless.
          registerAll(ws);
        } catch (IOException | RuntimeException e) {
          logger.log(Level.FINE, "re-registering watches", e);
        }
        try {
          listener.onChange(this);
        } catch (RuntimeException e) {
          // The watch outlives a failed reaction: later changes must still be seen.
          logger.log(Level.WARNING, "reacting to a change in " + dir + " failed", e);
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // closed
    }
  }

  @Override
  public synchronized void close() {
    WatchService ws = watcher;
    if (ws != null) {
      try {
        ws.close();
      } catch (IOException e) {
        logger.log(Level.FINE, "closing watch service", e);
      }
      watcher = null;
    }
    Thread t = watchThread;
    if (t != null) {
      t.interrupt();
      watchThread = null;
    }
  }
}
