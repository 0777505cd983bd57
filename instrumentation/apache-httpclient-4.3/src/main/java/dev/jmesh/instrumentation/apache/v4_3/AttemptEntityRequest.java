package dev.jmesh.instrumentation.apache.v4_3;

import org.apache.http.client.methods.HttpEntityEnclosingRequestBase;

/** An attempt's copy of a request with a body (the application's entity, sent again on retry). */
final class AttemptEntityRequest extends HttpEntityEnclosingRequestBase {

  private final String method;

  AttemptEntityRequest(String method) {
    this.method = method;
  }

  @Override
  public String getMethod() {
    return method;
  }
}
