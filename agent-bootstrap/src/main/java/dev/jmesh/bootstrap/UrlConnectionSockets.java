package dev.jmesh.bootstrap;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URL;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The socket of a JDK HTTP client on the {@code HttpURLConnection} direct path, called by the
 * {@code jdk-urlconnection} advice where the client connects it ({@code HttpClient.openServer()},
 * {@code NetworkClient.doConnect}): the connect is marked direct, so the socket hook lets it go
 * straight to the endpoint, and mTLS is layered on the socket when the call asks for it. A client
 * is recognised by its URL, an endpoint URL {@link UrlConnectionHooks} made; it keeps it (a cached
 * one takes the URL of the call reusing it), so a reconnect after a stale keep-alive is recognised
 * too.
 */
public final class UrlConnectionSockets {

  /** Plain HTTP's client; {@code HttpsClient} (its subclass) layers the application's own TLS. */
  private static final String PLAIN_HTTP_CLIENT = "sun.net.www.http.HttpClient";

  /**
   * The endpoint URLs handed to {@code New}, and their calls. A client keeps its URL (a cached one
   * gets the URL of the call reusing it), so when it opens its socket, at first or again after a
   * kept-alive connection went stale, the URL says it is the direct path's.
   */
  private static final WeakIdentityMap<URL, UrlConnectionCall> ENDPOINT_URLS =
      new WeakIdentityMap<>(state -> {});

  /**
   * The socket each direct-path client connected (plain or layered with the mesh's TLS), so that a
   * kept-alive client is not reused for a call whose TLS it does not have.
   */
  private static final WeakIdentityMap<Object, Socket> CLIENT_SOCKETS =
      new WeakIdentityMap<>(socket -> {});

  /** The call whose client's socket this thread is connecting, within {@code openServer()}. */
  private static final ThreadLocal<UrlConnectionCall> CONNECTING = new ThreadLocal<>();

  private UrlConnectionSockets() {}

  /** Remembers {@code url}, an endpoint URL made for {@code state}'s current attempt. */
  static void endpointUrl(URL url, UrlConnectionCall state) {
    ENDPOINT_URLS.put(url, state);
  }

  /**
   * {@code HttpClient.openServer()} entry: a client of the direct path (its URL is an endpoint URL
   * {@link UrlConnectionHooks} made) connects its socket; the connect is marked direct until {@link
   * #serverOpened()}.
   */
  public static void openingServer(URL url) {
    if (url == null) {
      return;
    }
    UrlConnectionCall state = ENDPOINT_URLS.get(url);
    if (state != null) {
      CONNECTING.set(state);
      MeshHooks.enterDirectConnect();
    }
  }

  /** {@code HttpClient.openServer()} exit, normal or not. */
  public static void serverOpened() {
    if (CONNECTING.get() != null) {
      CONNECTING.remove();
      MeshHooks.exitDirectConnect();
    }
  }

  /**
   * {@code NetworkClient.doConnect} exit: the socket the client will use. A plain HTTP client
   * opened for a call that asks for mTLS gets the socket layered with the call's TLS, handshake
   * done within the connection's connect timeout; a failed handshake is a failed connect.
   */
  public static Socket connected(Object client, Socket socket) throws IOException {
    UrlConnectionCall state = CONNECTING.get();
    if (state == null
        || socket == null
        || client == null
        || !PLAIN_HTTP_CLIENT.equals(client.getClass().getName())) {
      return socket;
    }
    SSLContext tls = state.call().tls();
    if (tls == null) {
      CLIENT_SOCKETS.put(client, socket);
      return socket;
    }
    try {
      InetSocketAddress peer = (InetSocketAddress) socket.getRemoteSocketAddress();
      // An IP literal as the host: no SNI, and the trust manager checks the SPIFFE ID, not a name.
      SSLSocket secured =
          (SSLSocket)
              tls.getSocketFactory()
                  .createSocket(socket, peer.getAddress().getHostAddress(), peer.getPort(), true);
      secured.setUseClientMode(true);
      int readTimeout = socket.getSoTimeout();
      secured.setSoTimeout(Math.max(0, state.connectTimeoutMillis()));
      secured.startHandshake();
      secured.setSoTimeout(readTimeout);
      CLIENT_SOCKETS.put(client, secured);
      return secured;
    } catch (IOException | RuntimeException e) {
      socket.close();
      ConnectException failed =
          new ConnectException(
              "jmesh: mTLS handshake with " + socket.getRemoteSocketAddress() + " failed: " + e);
      failed.initCause(e);
      throw failed;
    }
  }

  /**
   * {@code KeepAliveCache.get(URL, Object)} exit: whether the kept-alive {@code client} the cache
   * found for {@code url} may carry the call that URL was made for. The cache is keyed by the
   * endpoint alone, so a client connected in plaintext could otherwise carry a call that now
   * requires mTLS (or the reverse) after a DestinationRule or PeerAuthentication change; such a
   * client's socket is closed and the cache answers "none", so a new client connects as the call
   * wants.
   */
  public static boolean reusable(URL url, Object client) {
    if (url == null || client == null) {
      return true;
    }
    UrlConnectionCall state = ENDPOINT_URLS.get(url);
    if (state == null) {
      return true;
    }
    boolean wantsTls = state.call().tls() != null;
    Socket socket = CLIENT_SOCKETS.get(client);
    // A client the mesh did not connect (the application called the endpoint's address itself)
    // is plaintext: the application's own TLS would be an https URL, another cache key.
    if (wantsTls == (socket instanceof SSLSocket)) {
      return true;
    }
    if (socket != null) {
      CLIENT_SOCKETS.remove(client);
      try {
        socket.close();
      } catch (IOException e) {
        // Closing is all that was wanted; the client is dropped either way.
      }
    }
    return false;
  }
}
