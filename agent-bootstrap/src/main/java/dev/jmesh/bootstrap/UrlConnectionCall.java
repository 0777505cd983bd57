package dev.jmesh.bootstrap;

import java.net.MalformedURLException;
import java.net.URL;

/**
 * One {@link HttpURLConnection} on the direct path: its {@link MeshCall}, the authority it was
 * decided for (the connection's own redirects and authentication follow-ups to that authority stay
 * on this call) and where its attempts stand. It never holds the connection: the mesh's map from
 * connections to calls holds its keys weakly, and a value that held its key would keep it.
 */
final class UrlConnectionCall {

  private final String host;
  private final int port;
  private final String path;
  private final long startNanos;
  private MeshCall call;
  private final boolean oneShotBody;
  private int lastStatus;
  private boolean attemptRecorded;

  private int connectTimeoutMillis;

  UrlConnectionCall(URL url, boolean oneShotBody) {
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

  String host() {
    return host;
  }

  int port() {
    return port;
  }

  String path() {
    return path;
  }

  /** The connect timeout of the connection being opened, which also bounds a TLS handshake. */
  int connectTimeoutMillis() {
    return connectTimeoutMillis;
  }

  void connectTimeoutMillis(int millis) {
    this.connectTimeoutMillis = millis;
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
}
