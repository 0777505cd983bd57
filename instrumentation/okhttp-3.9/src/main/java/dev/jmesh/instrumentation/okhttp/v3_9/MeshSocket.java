package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.bootstrap.MeshHooks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.util.Collections;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A socket OkHttp believes is plain: connected to a direct path's endpoint, it goes around the
 * engine and, when the mesh secures that endpoint, carries the mesh's mTLS, so OkHttp speaks
 * cleartext HTTP/1.1 (or h2 with prior knowledge) over the workload's certificate. Streams and
 * shutdowns go to the TLS layer once there is one; addresses and options to the plain socket
 * underneath, which the TLS layer shares.
 */
final class MeshSocket extends Socket {

  private final Socket plain;
  private volatile Socket current;

  MeshSocket(Socket plain) throws SocketException {
    // No SocketImpl of its own: every method is the delegate's.
    super((SocketImpl) null);
    this.plain = plain;
    this.current = plain;
  }

  @Override
  public void connect(SocketAddress endpoint) throws IOException {
    connect(endpoint, 0);
  }

  @Override
  public void connect(SocketAddress endpoint, int timeout) throws IOException {
    if (!DirectEndpoints.isDirect(endpoint)) {
      plain.connect(endpoint, timeout);
      return;
    }
    InetSocketAddress address = (InetSocketAddress) endpoint;
    // Asked before connecting: a failure to choose fails the connect instead of going plaintext.
    SSLContext tls = MeshHooks.tlsFor(address);
    MeshHooks.enterDirectConnect();
    try {
      plain.connect(endpoint, timeout);
    } finally {
      MeshHooks.exitDirectConnect();
    }
    if (tls != null) {
      current = secure(address, tls, timeout);
    }
  }

  private SSLSocket secure(InetSocketAddress address, SSLContext tls, int timeout)
      throws IOException {
    // No host name to verify and no SNI: the endpoint is an IP, and the context's trust manager
    // checks the server's SPIFFE ID.
    SSLSocket ssl =
        (SSLSocket)
            tls.getSocketFactory()
                .createSocket(
                    plain, address.getAddress().getHostAddress(), address.getPort(), true);
    try {
      ssl.setUseClientMode(true);
      SSLParameters parameters = ssl.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm(null);
      ssl.setSSLParameters(parameters);
      int readTimeout = plain.getSoTimeout();
      plain.setSoTimeout(timeout);
      ssl.startHandshake();
      plain.setSoTimeout(readTimeout);
      return ssl;
    } catch (IOException | RuntimeException e) {
      ssl.close();
      ConnectException failure =
          new ConnectException("jmesh: mTLS handshake with " + address + " failed: " + e);
      failure.initCause(e);
      throw failure;
    }
  }

  @Override
  public InputStream getInputStream() throws IOException {
    return current.getInputStream();
  }

  @Override
  public OutputStream getOutputStream() throws IOException {
    return current.getOutputStream();
  }

  @Override
  public void close() throws IOException {
    try {
      current.close();
    } finally {
      plain.close();
    }
  }

  @Override
  public void shutdownInput() throws IOException {
    current.shutdownInput();
  }

  @Override
  public void shutdownOutput() throws IOException {
    current.shutdownOutput();
  }

  @Override
  public boolean isInputShutdown() {
    return current.isInputShutdown();
  }

  @Override
  public boolean isOutputShutdown() {
    return current.isOutputShutdown();
  }

  @Override
  public boolean isClosed() {
    return current.isClosed();
  }

  @Override
  public boolean isConnected() {
    return plain.isConnected();
  }

  @Override
  public boolean isBound() {
    return plain.isBound();
  }

  @Override
  public void bind(SocketAddress bindpoint) throws IOException {
    plain.bind(bindpoint);
  }

  @Override
  public InetAddress getInetAddress() {
    return plain.getInetAddress();
  }

  @Override
  public InetAddress getLocalAddress() {
    return plain.getLocalAddress();
  }

  @Override
  public int getPort() {
    return plain.getPort();
  }

  @Override
  public int getLocalPort() {
    return plain.getLocalPort();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return plain.getRemoteSocketAddress();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return plain.getLocalSocketAddress();
  }

  @Override
  public SocketChannel getChannel() {
    // Bytes must pass through the TLS layer, never around it.
    return null;
  }

  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    plain.setTcpNoDelay(on);
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return plain.getTcpNoDelay();
  }

  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    plain.setSoLinger(on, linger);
  }

  @Override
  public int getSoLinger() throws SocketException {
    return plain.getSoLinger();
  }

  @Override
  public void sendUrgentData(int data) throws IOException {
    current.sendUrgentData(data);
  }

  @Override
  public void setOOBInline(boolean on) throws SocketException {
    plain.setOOBInline(on);
  }

  @Override
  public boolean getOOBInline() throws SocketException {
    return plain.getOOBInline();
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    plain.setSoTimeout(timeout);
  }

  @Override
  public int getSoTimeout() throws SocketException {
    return plain.getSoTimeout();
  }

  @Override
  public void setSendBufferSize(int size) throws SocketException {
    plain.setSendBufferSize(size);
  }

  @Override
  public int getSendBufferSize() throws SocketException {
    return plain.getSendBufferSize();
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    plain.setReceiveBufferSize(size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return plain.getReceiveBufferSize();
  }

  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    plain.setKeepAlive(on);
  }

  @Override
  public boolean getKeepAlive() throws SocketException {
    return plain.getKeepAlive();
  }

  @Override
  public void setTrafficClass(int tc) throws SocketException {
    plain.setTrafficClass(tc);
  }

  @Override
  public int getTrafficClass() throws SocketException {
    return plain.getTrafficClass();
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    plain.setReuseAddress(on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return plain.getReuseAddress();
  }

  @Override
  public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
    plain.setPerformancePreferences(connectionTime, latency, bandwidth);
  }

  @Override
  public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
    plain.setOption(name, value);
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    return plain.getOption(name);
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    Set<SocketOption<?>> options = plain.supportedOptions();
    return options == null ? Collections.emptySet() : options;
  }

  @Override
  public String toString() {
    return "MeshSocket[" + current + "]";
  }
}
