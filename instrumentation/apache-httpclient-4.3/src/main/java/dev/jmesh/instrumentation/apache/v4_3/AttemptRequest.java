package dev.jmesh.instrumentation.apache.v4_3;

import org.apache.http.client.methods.HttpRequestBase;

/** An attempt's copy of a request without a body, abortable by the mesh's timer. */
final class AttemptRequest extends HttpRequestBase {

  private final String method;

  AttemptRequest(String method) {
    this.method = method;
  }

  @Override
  public String getMethod() {
    return method;
  }
}
