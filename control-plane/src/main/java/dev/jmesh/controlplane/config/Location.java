package dev.jmesh.controlplane.config;

/** Where a piece of configuration came from: a file (as the user named it) and a 1-based line. */
public record Location(String file, int line) {
  public static final Location UNKNOWN = new Location("<unknown>", 0);

  public Location atLine(int newLine) {
    return new Location(file, newLine);
  }

  @Override
  public String toString() {
    return line > 0 ? file + ":" + line : file;
  }
}
