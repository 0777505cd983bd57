package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.bootstrap.MeshHeaders;
import okhttp3.Headers;

/**
 * Where the data path writes header changes for an OkHttp request or response: a {@link
 * Headers.Builder}, because OkHttp's request and response builders cannot be read back.
 */
final class HeadersView implements MeshHeaders {

  private final Headers.Builder headers;

  HeadersView(Headers.Builder headers) {
    this.headers = headers;
  }

  @Override
  public boolean contains(String name) {
    return headers.get(name) != null;
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
    headers.removeAll(name);
  }
}
