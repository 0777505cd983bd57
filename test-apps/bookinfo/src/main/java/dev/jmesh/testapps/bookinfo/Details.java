package dev.jmesh.testapps.bookinfo;

/** bookinfo's {@code details}: the book, on a Netty server. */
final class Details implements Responder {

  @Override
  public Answer answer(String path, String endUser) {
    String id = Paths.lastSegment(path);
    return Answer.ok(
        "details v1 (netty): book " + id + ", The Comedy of Errors, paperback, 200 pages");
  }
}
