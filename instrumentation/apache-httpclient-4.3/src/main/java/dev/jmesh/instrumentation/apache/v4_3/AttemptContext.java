package dev.jmesh.instrumentation.apache.v4_3;

import org.apache.http.client.protocol.HttpClientContext;
import org.apache.http.protocol.BasicHttpContext;
import org.apache.http.protocol.HttpContext;

/**
 * The context of a direct call's attempts: the application's, seen through a child, with the pool
 * state (Apache's user token) fixed when the application set none. Otherwise Apache would make the
 * mesh certificate's principal the state of an mTLS connection, and the next call, asking with
 * none, could never reuse it.
 */
final class AttemptContext {

  /** The pool state of the mesh's connections: one workload identity, whoever calls. */
  private static final String MESH_POOL_STATE = "jmesh-workload";

  private AttemptContext() {}

  static HttpContext of(HttpContext application) {
    BasicHttpContext child = new BasicHttpContext(application);
    if (child.getAttribute(HttpClientContext.USER_TOKEN) == null) {
      child.setAttribute(HttpClientContext.USER_TOKEN, MESH_POOL_STATE);
    }
    return child;
  }
}
