package dev.jmesh.testapps.bookinfo;

/** One HTTP answer of a bookinfo service: a status and a one-line text body. */
record Answer(int status, String body) {

  static Answer ok(String body) {
    return new Answer(200, body);
  }
}
