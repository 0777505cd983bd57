package dev.jmesh.testapps.httpclients;

import java.nio.charset.StandardCharsets;

/** What the application saw of one response: status, protocol and the (capped) body text. */
record Outcome(int status, String version, String body) {

  /** Bodies are cut here: results stay one short line. */
  static final int SHOWN = 2000;

  static Outcome of(int status, String version, byte[] body) {
    int n = Math.min(body.length, SHOWN);
    return new Outcome(status, version, new String(body, 0, n, StandardCharsets.UTF_8));
  }

  /** The body's first line: backends answer their pod name there. */
  String firstLine() {
    int end = body.indexOf('\n');
    return (end < 0 ? body : body.substring(0, end)).strip();
  }
}
