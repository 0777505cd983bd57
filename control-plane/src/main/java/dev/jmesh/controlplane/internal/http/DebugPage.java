package dev.jmesh.controlplane.internal.http;

/** One answer of the debug API: status, content type and body. */
record DebugPage(int status, String contentType, String body) {

  static DebugPage text(int status, String body) {
    return new DebugPage(status, "text/plain", body);
  }

  static DebugPage json(Object value) {
    return new DebugPage(200, "application/json", Json.write(value));
  }
}
