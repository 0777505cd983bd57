package dev.jmesh.controlplane.config;

import java.io.IOException;
import java.util.List;

/**
 * Somewhere configuration comes from: a watched directory today, workload registration and
 * Kubernetes informers later. A source only reads and parses; validation, the last-good rule
 * and translation are the same for every source.
 */
public interface ConfigSource extends AutoCloseable {

  /**
   * What a source holds at one moment: the mesh settings ({@code null} when this source has
   * none), the resources it parsed and the problems it found.
   */
  record Contents(
      MeshConfig meshConfig, List<ConfigResource> resources, List<Diagnostic> diagnostics) {
    public Contents {
      resources = List.copyOf(resources);
      diagnostics = List.copyOf(diagnostics);
    }
  }

  /** Told when a source's contents may have changed; it then calls {@link #read()}. */
  interface ChangeListener {
    void onChange(ConfigSource source);
  }

  /** A short name for logs and {@code /debug/registryz}, such as {@code dir:mesh-config}. */
  String name();

  /** Reads the current contents. Never throws for bad configuration, only reports it. */
  Contents read() throws IOException;

  /** Starts watching; {@code listener} is called (from any thread) after each change. */
  void watch(ChangeListener listener) throws IOException;

  @Override
  void close();
}
