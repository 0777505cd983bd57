package dev.jmesh.dataplane.engine.outbound;

import dev.jmesh.bootstrap.MeshHeaders;
import dev.jmesh.dataplane.route.HeaderMutation;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;

/** Applies a route's header mutations to Netty headers ({@link HeaderMutation#applyAll}). */
final class HeaderEdits implements MeshHeaders {

  private final HttpHeaders headers;

  private HeaderEdits(HttpHeaders headers) {
    this.headers = headers;
  }

  static void apply(List<HeaderMutation> mutations, HttpHeaders headers) {
    if (!mutations.isEmpty()) {
      HeaderMutation.applyAll(mutations, new HeaderEdits(headers));
    }
  }

  @Override
  public boolean contains(String name) {
    return headers.contains(name);
  }

  @Override
  public void set(String name, String value) {
    headers.set(name, value);
  }

  @Override
  public void add(String name, String value) {
    headers.add(name, value);
  }

  @Override
  public void remove(String name) {
    headers.remove(name);
  }
}
