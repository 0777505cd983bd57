package dev.jmesh.bootstrap;

import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.URL;

/**
 * One {@link HttpURLConnection} on the direct path: its {@link MeshCall}, the authority it was
 * decided for (the connection's own redirects and authentication follow-ups to that authority stay
 * on this call), and the views the data path reads the request through and writes its header
 * changes to. Only the JDK's public API of the connection is used: the classes behind it are
 * internal to {@code java.base}.
 */
final class UrlConnectionCall implements MeshRequest, MeshHeaders {

  private final HttpURLConnection connection;
  private final String host;
  private final int port;
  private final String path;
  private final long startNanos;
  private MeshCall call;
  private final boolean oneShotBody;
  private int lastStatus;
  private boolean attemptRecorded;

  UrlConnectionCall(HttpURLConnection connection, URL url, boolean oneShotBody) {
    this.connection = connection;
    this.oneShotBody = oneShotBody;
    this.host = url.getHost();
    this.port = url.getPort() < 0 ? url.getDefaultPort() : url.getPort();
    String file = url.getFile();
    this.path = file == null || file.isEmpty() ? "/" : file;
    this.startNanos = System.nanoTime();
  }

  void decided(MeshCall call) {
    this.call = call;
  }

  MeshCall call() {
    return call;
  }

  HttpURLConnection connection() {
    return connection;
  }

  /** Whether {@code url} still addresses the authority this call was decided for. */
  boolean sameAuthority(URL url) {
    int p = url.getPort() < 0 ? url.getDefaultPort() : url.getPort();
    return p == port && host.equalsIgnoreCase(url.getHost());
  }

  /** {@code url} re-targeted to the call's current endpoint: same file, the endpoint's IP. */
  @SuppressWarnings("deprecation") // URL(String, String, int, String): keeps the file verbatim
  URL endpointUrl(URL url) throws MalformedURLException {
    MeshEndpointAddress endpoint = call.endpoint();
    return new URL("http", endpoint.urlHost(), endpoint.getPort(), url.getFile());
  }

  /** The status of the response the connection last looked at (a redirect's, say). */
  void responded(int status) {
    this.lastStatus = status;
  }

  int lastStatus() {
    return lastStatus;
  }

  /** Whether the request's body is streamed, so it cannot be sent again. */
  boolean oneShotBody() {
    return oneShotBody;
  }

  /** Whether the current attempt's outcome was already given to the call. */
  boolean attemptRecorded() {
    return attemptRecorded;
  }

  void attemptRecorded(boolean recorded) {
    this.attemptRecorded = recorded;
  }

  /** Nanoseconds since the call was decided. */
  long elapsedNanos() {
    return System.nanoTime() - startNanos;
  }

  // ---- MeshRequest: read in place from the connection ----

  @Override
  public String method() {
    return connection.getRequestMethod();
  }

  @Override
  public String host() {
    return host;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public String path() {
    return path;
  }

  @Override
  public String header(String lowerCaseName) {
    // One value of a repeated header, and never Authorization: what the public API answers.
    return connection.getRequestProperty(lowerCaseName);
  }

  // ---- MeshHeaders: written through the connection's public setters ----

  @Override
  public boolean contains(String name) {
    return connection.getRequestProperty(name) != null;
  }

  @Override
  public void set(String name, String value) {
    connection.setRequestProperty(name, value);
  }

  @Override
  public void add(String name, String value) {
    connection.addRequestProperty(name, value);
  }

  @Override
  public void remove(String name) {
    // The public API cannot remove a header; an empty value is the closest it offers.
    if (contains(name)) {
      connection.setRequestProperty(name, "");
    }
  }
}
