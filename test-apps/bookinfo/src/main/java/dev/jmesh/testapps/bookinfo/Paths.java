package dev.jmesh.testapps.bookinfo;

/** The product id at the end of bookinfo's paths ({@code /reviews/1}, {@code /details/1}). */
final class Paths {

  private Paths() {}

  static String lastSegment(String path) {
    int query = path.indexOf('?');
    String p = query < 0 ? path : path.substring(0, query);
    String id = p.substring(p.lastIndexOf('/') + 1);
    return id.isEmpty() ? "0" : id;
  }
}
