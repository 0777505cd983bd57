package dev.jmesh.controlplane.internal.yaml;

/**
 * What one config file may hold. A config directory is written by people and by tools that can go
 * wrong (a binary copied in, a generator looping, an alias bomb pasted from the web); each limit
 * turns what would be an out-of-memory error, a stack overflow or a minute of CPU in the control
 * plane into an error naming the file, while the last good config stays in force. Kubernetes keeps
 * one object under ~1.5 MiB, so a file holding many of them fits well within these.
 */
public final class YamlLimits {
  private YamlLimits() {}

  /** Bytes of one file; a larger file is refused before it is read. */
  public static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

  /** Characters of one scalar (a JWKS or a Lua script inline is a few KiB). */
  public static final int MAX_SCALAR_CHARS = 256 * 1024;

  /** Maps and lists inside one another. */
  public static final int MAX_DEPTH = 64;

  /**
   * Aliases to a map or list ({@code *name}): few in real config, the lever of a billion laughs.
   */
  public static final int MAX_COLLECTION_ALIASES = 50;

  /** Values (scalars, maps, lists) of one file, counting what aliases expand to. */
  public static final int MAX_VALUES = 250_000;
}
