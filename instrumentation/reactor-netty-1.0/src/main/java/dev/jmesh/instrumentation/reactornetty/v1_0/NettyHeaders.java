package dev.jmesh.instrumentation.reactornetty.v1_0;

import dev.jmesh.bootstrap.MeshHeaders;
import io.netty.handler.codec.http.HttpHeaders;

/** The mesh's header changes applied to a Netty request's or response's headers. */
final class NettyHeaders implements MeshHeaders {

  private final HttpHeaders headers;

  NettyHeaders(HttpHeaders headers) {
    this.headers = headers;
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
