package dev.jmesh.testsuite.engine;

import java.io.IOException;

/**
 * How the server suite talks to an HTTP server (a meshed client's {@code GET /hello}, a plaintext
 * one from an unmeshed process), for the classes that run {@link AbstractMeshedServerTest} on an
 * HTTP server without {@link AbstractMeshedHttpServerTest}'s engine-only tests.
 */
final class HttpServerCalls {

  static final String PORT_NAME = "http";

  /** What the meshed client's request says on the wire; mTLS must hide it. */
  static final String PLAINTEXT_MARKER = "GET /hello";

  private HttpServerCalls() {}

  static ClientDriver.Result call(ClientDriver client, String host, int port) {
    return client.run("http GET http://" + host + ":" + port + "/hello");
  }

  static boolean answered(ClientDriver.Result result, String kindMarker) {
    return result.ok() && result.status() == 200 && result.body().contains(kindMarker);
  }

  static boolean denied(ClientDriver.Result result) {
    return result.ok() && result.status() == 403 && result.body().contains("RBAC: access denied");
  }

  static boolean plaintextAnswered(int port, String kindMarker) throws IOException {
    return RawHttp.get(port, "/hello").contains(kindMarker);
  }
}
