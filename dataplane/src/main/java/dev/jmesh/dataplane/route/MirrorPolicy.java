package dev.jmesh.dataplane.route;

/**
 * A {@code request_mirror_policies} entry: a copy of the request goes to {@code cluster}, and its
 * response is discarded.
 *
 * @param cluster the shadow cluster
 * @param perMillion the share of requests mirrored, per million
 */
public record MirrorPolicy(String cluster, int perMillion) {

  /** Whether a request whose uniform draw in {@code [0, 1_000_000)} is {@code draw} is copied. */
  public boolean mirrors(int draw) {
    return draw < perMillion;
  }
}
