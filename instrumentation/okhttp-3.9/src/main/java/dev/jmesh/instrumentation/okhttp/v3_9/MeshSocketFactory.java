package dev.jmesh.instrumentation.okhttp.v3_9;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

/**
 * Every OkHttp client's socket factory under the mesh: the application's (or the default one),
 * whose unconnected sockets become {@link MeshSocket}s so that a connect to a direct path's
 * endpoint gets the mesh's TLS under OkHttp's cleartext HTTP. OkHttp only ever asks for unconnected
 * sockets; the connected variants go straight to the application's factory.
 *
 * <p>Equal when the wrapped factories are: OkHttp's connection pool keys on the factory, and two
 * clients sharing a pool must keep sharing connections.
 */
public final class MeshSocketFactory extends SocketFactory {

  private final SocketFactory delegate;

  public MeshSocketFactory(SocketFactory delegate) {
    this.delegate = delegate;
  }

  /**
   * {@code factory} under the mesh. An {@link SSLSocketFactory} is left as it is, so OkHttp 4's own
   * check rejects it as the application's mistake it is.
   */
  public static SocketFactory wrap(SocketFactory factory) {
    if (factory == null
        || factory instanceof MeshSocketFactory
        || factory instanceof SSLSocketFactory) {
      return factory;
    }
    return new MeshSocketFactory(factory);
  }

  @Override
  public Socket createSocket() throws IOException {
    return new MeshSocket(delegate.createSocket());
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return delegate.createSocket(host, port);
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return delegate.createSocket(host, port, localHost, localPort);
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return delegate.createSocket(host, port);
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return delegate.createSocket(address, port, localAddress, localPort);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MeshSocketFactory && ((MeshSocketFactory) o).delegate.equals(delegate);
  }

  @Override
  public int hashCode() {
    return delegate.hashCode() * 31 + 7;
  }
}
