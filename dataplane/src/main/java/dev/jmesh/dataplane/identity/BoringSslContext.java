package dev.jmesh.dataplane.identity;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.security.KeyManagementException;
import java.security.Provider;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * An {@code SSLContext} whose sockets and engines are BoringSSL's (Conscrypt), for the TLS the
 * direct paths put on the application's own connections: the JDK's TLS costs several times the CPU
 * per record. One gap is filled from the JDK: Conscrypt does not implement the server-side layering
 * over an accepted socket whose first bytes were already read ({@code createSocket(Socket,
 * InputStream, boolean)}), so that one call goes to a JDK context with the same key and trust
 * managers.
 */
final class BoringSslContext extends SSLContextSpi {

  private final SSLContext boring;
  private final SSLContext jdk;
  private final SSLSocketFactory sockets;

  private BoringSslContext(SSLContext boring, SSLContext jdk) {
    this.boring = boring;
    this.jdk = jdk;
    this.sockets = new Sockets(boring.getSocketFactory(), jdk.getSocketFactory());
  }

  /** A context over {@code keys} and {@code trust}; throws if BoringSSL cannot be had. */
  static SSLContext create(Provider conscrypt, KeyManager[] keys, TrustManager[] trust)
      throws KeyManagementException, java.security.NoSuchAlgorithmException {
    SSLContext boring = SSLContext.getInstance("TLS", conscrypt);
    boring.init(keys, trust, null);
    SSLContext jdk = SSLContext.getInstance("TLS");
    jdk.init(keys, trust, null);
    return new SSLContext(new BoringSslContext(boring, jdk), conscrypt, "TLS") {};
  }

  @Override
  protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom random) {
    // Built initialised by create(): SSLContext.init is never called on the wrapper.
    throw new UnsupportedOperationException("jmesh: this context is initialised when made");
  }

  @Override
  protected SSLSocketFactory engineGetSocketFactory() {
    return sockets;
  }

  @Override
  protected SSLServerSocketFactory engineGetServerSocketFactory() {
    return boring.getServerSocketFactory();
  }

  @Override
  protected SSLEngine engineCreateSSLEngine() {
    return boring.createSSLEngine();
  }

  @Override
  protected SSLEngine engineCreateSSLEngine(String host, int port) {
    return boring.createSSLEngine(host, port);
  }

  @Override
  protected SSLSessionContext engineGetServerSessionContext() {
    return boring.getServerSessionContext();
  }

  @Override
  protected SSLSessionContext engineGetClientSessionContext() {
    return boring.getClientSessionContext();
  }

  @Override
  protected SSLParameters engineGetDefaultSSLParameters() {
    return boring.getDefaultSSLParameters();
  }

  @Override
  protected SSLParameters engineGetSupportedSSLParameters() {
    return boring.getSupportedSSLParameters();
  }

  /** Conscrypt's sockets, and the JDK's for a server socket layered over consumed bytes. */
  private static final class Sockets extends SSLSocketFactory {
    private final SSLSocketFactory boring;
    private final SSLSocketFactory jdk;

    Sockets(SSLSocketFactory boring, SSLSocketFactory jdk) {
      this.boring = boring;
      this.jdk = jdk;
    }

    @Override
    public Socket createSocket(Socket s, InputStream consumed, boolean autoClose)
        throws IOException {
      return jdk.createSocket(s, consumed, autoClose);
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose)
        throws IOException {
      return boring.createSocket(s, host, port, autoClose);
    }

    @Override
    public Socket createSocket() throws IOException {
      return boring.createSocket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return boring.createSocket(host, port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort)
        throws IOException {
      return boring.createSocket(host, port, local, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return boring.createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort)
        throws IOException {
      return boring.createSocket(host, port, local, localPort);
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return boring.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return boring.getSupportedCipherSuites();
    }
  }
}
