package dev.jmesh.bootstrap;

import java.net.HttpURLConnection;

/**
 * The request of an {@link HttpURLConnection} as the data path reads it and writes its header
 * changes to, through the connection's public API only (the classes behind it are internal to
 * {@code java.base}). Short-lived: made for a decision or an attempt and {@linkplain #detach()
 * detached} after it, so that nothing the mesh keeps holds the connection, which the mesh's map of
 * calls holds only weakly.
 */
final class UrlConnectionRequest implements MeshRequest, MeshHeaders {

  private final UrlConnectionCall state;
  private HttpURLConnection connection;

  UrlConnectionRequest(HttpURLConnection connection, UrlConnectionCall state) {
    this.connection = connection;
    this.state = state;
  }

  /** Lets go of the connection: afterwards the view reads as a request without headers. */
  void detach() {
    connection = null;
  }

  @Override
  public String method() {
    HttpURLConnection c = connection;
    return c == null ? "GET" : c.getRequestMethod();
  }

  @Override
  public String host() {
    return state.host();
  }

  @Override
  public int port() {
    return state.port();
  }

  @Override
  public String path() {
    return state.path();
  }

  @Override
  public String header(String lowerCaseName) {
    // One value of a repeated header, and never Authorization: what the public API answers.
    HttpURLConnection c = connection;
    return c == null ? null : c.getRequestProperty(lowerCaseName);
  }

  @Override
  public boolean contains(String name) {
    HttpURLConnection c = connection;
    return c != null && c.getRequestProperty(name) != null;
  }

  @Override
  public void set(String name, String value) {
    HttpURLConnection c = connection;
    if (c != null) {
      c.setRequestProperty(name, value);
    }
  }

  @Override
  public void add(String name, String value) {
    HttpURLConnection c = connection;
    if (c != null) {
      c.addRequestProperty(name, value);
    }
  }

  @Override
  public void remove(String name) {
    // The public API cannot remove a header; an empty value is the closest it offers.
    if (contains(name)) {
      connection.setRequestProperty(name, "");
    }
  }
}
