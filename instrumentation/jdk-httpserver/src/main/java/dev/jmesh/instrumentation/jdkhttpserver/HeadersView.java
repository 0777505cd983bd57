package dev.jmesh.instrumentation.jdkhttpserver;

import com.sun.net.httpserver.Headers;
import dev.jmesh.bootstrap.MeshHeaders;

/** The mesh's header changes applied to the JDK server's {@link Headers} (case-insensitive). */
final class HeadersView implements MeshHeaders {

  private final Headers headers;

  HeadersView(Headers headers) {
    this.headers = headers;
  }

  @Override
  public boolean contains(String name) {
    return headers.containsKey(name);
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
