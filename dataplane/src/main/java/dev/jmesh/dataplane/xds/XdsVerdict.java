package dev.jmesh.dataplane.xds;

import java.util.Map;
import java.util.TreeMap;

/**
 * What an {@link XdsResourceHandler} made of a set of resources: accepted, or the names it
 * rejected, each with a reason a user can act on (it becomes the NACK's {@code error_detail}).
 * Resources not named here were applied.
 */
public final class XdsVerdict {
  private static final XdsVerdict ACCEPTED = new XdsVerdict(Map.of());

  private final Map<String, String> rejections;

  private XdsVerdict(Map<String, String> rejections) {
    this.rejections = rejections;
  }

  public static XdsVerdict accepted() {
    return ACCEPTED;
  }

  /** Rejects the named resources; {@code reasonsByName} maps a resource name to why. */
  public static XdsVerdict rejected(Map<String, String> reasonsByName) {
    return reasonsByName.isEmpty()
        ? ACCEPTED
        : new XdsVerdict(Map.copyOf(new TreeMap<>(reasonsByName)));
  }

  public static XdsVerdict rejected(String name, String reason) {
    return new XdsVerdict(Map.of(name, reason));
  }

  public boolean isAccepted() {
    return rejections.isEmpty();
  }

  /** Resource name to reason, for each rejected resource. */
  public Map<String, String> rejections() {
    return rejections;
  }

  @Override
  public String toString() {
    return isAccepted() ? "accepted" : "rejected " + rejections;
  }
}
