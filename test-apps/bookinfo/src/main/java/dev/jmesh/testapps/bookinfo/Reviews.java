package dev.jmesh.testapps.bookinfo;

/**
 * bookinfo's {@code reviews}: v1 has no stars; v2 and v3 ask {@code ratings} for them, each with
 * another HTTP client library, passing {@code end-user} on so that routes on it apply downstream.
 */
final class Reviews implements Responder {

  private final String version;
  private final String stack;
  private final RatingsClient ratings;

  private Reviews(String version, String stack, RatingsClient ratings) {
    this.version = version;
    this.stack = stack;
    this.ratings = ratings;
  }

  static Reviews v1() {
    return new Reviews("v1", "tomcat", null);
  }

  static Reviews v2(int port) {
    return new Reviews("v2", "jetty + okhttp", RatingsClient.okHttp(ratingsBase(port)));
  }

  static Reviews v3(int port) {
    return new Reviews("v3", "netty + apache-httpclient5", RatingsClient.apache(ratingsBase(port)));
  }

  private static String ratingsBase(int port) {
    return "http://ratings:" + port + "/ratings/";
  }

  @Override
  public Answer answer(String path, String endUser) {
    String head = "reviews " + version + " (" + stack + "): \"An extremely entertaining play\"";
    if (ratings == null) {
      return Answer.ok(head);
    }
    return Answer.ok(head + " | " + ratings.stars(Paths.lastSegment(path), endUser));
  }
}
