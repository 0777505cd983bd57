package dev.jmesh.instrumentation.apache.v4_3;

import dev.jmesh.bootstrap.MeshHeaders;
import org.apache.http.HttpMessage;

/** The mesh's header changes applied to an Apache 4 request or response. */
final class ApacheHeaders implements MeshHeaders {

  private final HttpMessage message;

  ApacheHeaders(HttpMessage message) {
    this.message = message;
  }

  @Override
  public boolean contains(String name) {
    return message.containsHeader(name);
  }

  @Override
  public void set(String name, String value) {
    message.setHeader(name, value);
  }

  @Override
  public void add(String name, String value) {
    message.addHeader(name, value);
  }

  @Override
  public void remove(String name) {
    message.removeHeaders(name);
  }
}
