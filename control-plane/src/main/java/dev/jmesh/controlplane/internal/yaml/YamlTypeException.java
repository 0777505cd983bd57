package dev.jmesh.controlplane.internal.yaml;

/** A value of the wrong shape, at a known line. */
public final class YamlTypeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int line;

  public YamlTypeException(int line, String message) {
    super(message);
    this.line = line;
  }

  public int line() {
    return line;
  }
}
