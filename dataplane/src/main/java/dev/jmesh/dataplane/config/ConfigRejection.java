package dev.jmesh.dataplane.config;

/**
 * Why one xDS resource was not accepted; the xDS client NACKs with {@link #message()}.
 *
 * @param resourceType the resource kind, e.g. {@code RouteConfiguration}
 * @param resourceName the resource's name
 * @param field the offending field as a path, e.g. {@code virtual_hosts[0].routes[2].match.grpc}
 * @param reason what is wrong, e.g. {@code not supported}
 */
public record ConfigRejection(
    String resourceType, String resourceName, String field, String reason) {

  /**
   * E.g. {@code RouteConfiguration reviews: virtual_hosts[0].routes[2].match.grpc: not supported}.
   */
  public String message() {
    return resourceType
        + " "
        + resourceName
        + ": "
        + (field.isEmpty() ? "" : field + ": ")
        + reason;
  }

  @Override
  public String toString() {
    return message();
  }
}
