package dev.jmesh.dataplane.policy;

import dev.jmesh.dataplane.route.RequestView;

/**
 * What inbound HTTP policy sees of one request. Implemented by the engine over its own request
 * object, so a check allocates nothing to look at a header. It is a {@link RequestView}, so the
 * header and path matchers routing compiles serve RBAC and JWT rules unchanged.
 */
public interface PolicyRequest extends RequestView {

  @Override
  String method();

  /** The path with its query, as received ({@code :path}). */
  @Override
  String path();

  /** {@code :authority} or {@code Host}. */
  @Override
  String authority();

  /** The first value of a header, by lower-case name; {@code null} when absent. */
  @Override
  String header(String lowerCaseName);

  /** The connection the request came on. */
  PeerConnection connection();
}
