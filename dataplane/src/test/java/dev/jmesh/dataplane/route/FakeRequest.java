package dev.jmesh.dataplane.route;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** A {@link RequestView} over a map, for tests. */
public final class FakeRequest implements RequestView {

  private final String method;
  private final String authority;
  private final String path;
  private final Map<String, String> headers = new HashMap<>();

  private FakeRequest(String method, String authority, String path) {
    this.method = method;
    this.authority = authority;
    this.path = path;
  }

  public static FakeRequest get(String authority, String path) {
    return new FakeRequest("GET", authority, path);
  }

  public static FakeRequest of(String method, String authority, String path) {
    return new FakeRequest(method, authority, path);
  }

  /** Adds a header; names are stored lower case, as an HTTP header map compares them. */
  public FakeRequest header(String name, String value) {
    headers.put(name.toLowerCase(Locale.ROOT), value);
    return this;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public String authority() {
    return authority;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String header(String lowerCaseName) {
    return headers.get(lowerCaseName);
  }
}
