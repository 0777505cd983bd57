package dev.jmesh.controlplane.config;

/**
 * A problem found in the configuration, in the form of {@code istioctl analyze}:
 * {@code mesh-config/reviews.yaml:12: VirtualService reviews: subset v4 is not defined by any
 * DestinationRule for host reviews}.
 *
 * @param resource the resource at fault; null when the problem is with a whole file
 */
public record Diagnostic(
    Severity severity, Location location, ResourceId resource, String message) {

  /** Errors reject the resource; warnings are reported and the resource is used. */
  public enum Severity {
    ERROR,
    WARNING
  }

  public static Diagnostic error(Location location, ResourceId resource, String message) {
    return new Diagnostic(Severity.ERROR, location, resource, message);
  }

  public static Diagnostic warning(Location location, ResourceId resource, String message) {
    return new Diagnostic(Severity.WARNING, location, resource, message);
  }

  public boolean isError() {
    return severity == Severity.ERROR;
  }

  /** True for a file that could not be read at all: everything it held keeps its last version. */
  public boolean isFileError() {
    return isError() && resource == null;
  }

  /** The one-line form printed by {@code analyze} and logged on reload. */
  public String format() {
    StringBuilder sb = new StringBuilder();
    sb.append(location).append(": ");
    if (severity == Severity.WARNING) {
      sb.append("warning: ");
    }
    if (resource != null && !resource.kind().isEmpty()) {
      sb.append(resource.kind());
      if (!resource.name().isEmpty()) {
        sb.append(' ').append(resource.name());
      }
      sb.append(": ");
    }
    return sb.append(message).toString();
  }

  @Override
  public String toString() {
    return format();
  }
}
