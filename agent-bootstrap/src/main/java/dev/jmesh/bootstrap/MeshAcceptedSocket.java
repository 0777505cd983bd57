package dev.jmesh.bootstrap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketImpl;
import java.net.SocketOption;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a blocking {@link ServerSocket#accept()} returns for a connection the mesh serves directly
 * (library {@code jdk-socket}): the accepted socket, whose transport is settled on the first read
 * or write ({@link InboundTransport}: plaintext, the mesh's mutual TLS, or closed), never in {@code
 * accept()}, so a silent client cannot stall the accept loop. Until then a write waits for the
 * decision, so a server that speaks first (a greeting) goes out once the client stayed silent for
 * the detection timeout, in plaintext. Options, addresses and closing are the accepted socket's.
 */
final class MeshAcceptedSocket extends Socket {

  static final String LIBRARY = "jdk-socket";

  private static final AtomicBoolean HTTP_PORT_WARNED = new AtomicBoolean();

  private final Socket raw;
  private final MeshInbound inbound;
  private final ReentrantLock settling = new ReentrantLock();
  private volatile InboundTransport settled;
  private final InputStream in = new In();
  private final OutputStream out = new Out();
  private final AtomicBoolean closeReported = new AtomicBoolean();

  private MeshAcceptedSocket(Socket raw, MeshInbound inbound) throws SocketException {
    super((SocketImpl) null);
    this.raw = raw;
    this.inbound = inbound;
  }

  /**
   * {@code ServerSocket.accept()} exit: {@code accepted} itself when the mesh leaves the connection
   * alone, else the socket that serves it as the mesh wants.
   */
  static Socket accepted(Socket accepted) {
    if (accepted == null || accepted.isClosed()) {
      return accepted;
    }
    SocketAddress local = accepted.getLocalSocketAddress();
    SocketAddress remote = accepted.getRemoteSocketAddress();
    if (!(local instanceof InetSocketAddress) || !(remote instanceof InetSocketAddress)) {
      return accepted;
    }
    MeshInbound inbound =
        MeshHooks.inbound(LIBRARY, (InetSocketAddress) local, (InetSocketAddress) remote);
    if (inbound == null) {
      return accepted;
    }
    try {
      return new MeshAcceptedSocket(accepted, inbound);
    } catch (SocketException | RuntimeException e) {
      MeshHooks.failed("inbound:" + LIBRARY, e);
      InboundTransport.closeQuietly(accepted);
      return accepted;
    }
  }

  /** The settled transport; the first caller settles it, concurrent ones wait for it. */
  private InboundTransport transport() {
    InboundTransport t = settled;
    if (t != null) {
      return t;
    }
    settling.lock();
    try {
      t = settled;
      if (t == null) {
        t = InboundTransport.settle(inbound, raw);
        settled = t;
        if (!t.refused() && inbound.http()) {
          httpPortWarning();
        }
      }
      return t;
    } finally {
      settling.unlock();
    }
  }

  /**
   * A blocking server on a port the mesh takes for HTTP: its bytes are not parsed here, so the
   * port's request policy (RBAC, JWT, rate limits) cannot run on the direct path. Said once.
   */
  private void httpPortWarning() {
    if (!HTTP_PORT_WARNED.getAndSet(true)) {
      System.err.println(
          "[jmesh] WARN inbound "
              + raw.getLocalSocketAddress()
              + ": a blocking ServerSocket serves an HTTP port directly; its HTTP policy"
              + " (AuthorizationPolicy rules on requests, JWT, rate limits) is not applied on the"
              + " direct path. Name the port tcp-* or use inboundPath: engine for this workload.");
    }
  }

  /** The socket shutdowns and urgent data go to: the TLS socket once there is one. */
  private Socket current() {
    InboundTransport t = settled;
    return t != null ? t.socket : raw;
  }

  @Override
  public InputStream getInputStream() throws IOException {
    if (isClosed()) {
      throw new SocketException("Socket is closed");
    }
    if (isInputShutdown()) {
      throw new SocketException("Socket input is shutdown");
    }
    return in;
  }

  @Override
  public OutputStream getOutputStream() throws IOException {
    if (isClosed()) {
      throw new SocketException("Socket is closed");
    }
    if (isOutputShutdown()) {
      throw new SocketException("Socket output is shutdown");
    }
    return out;
  }

  @Override
  public void close() throws IOException {
    InboundTransport t = settled;
    try {
      if (t != null) {
        t.close();
      }
      // Also unblocks a thread still sniffing or handshaking on the accepted socket.
      raw.close();
    } finally {
      if (!closeReported.getAndSet(true)) {
        inbound.closed();
      }
    }
  }

  @Override
  public boolean isClosed() {
    return raw.isClosed();
  }

  @Override
  public void shutdownInput() throws IOException {
    current().shutdownInput();
  }

  @Override
  public void shutdownOutput() throws IOException {
    current().shutdownOutput();
  }

  @Override
  public boolean isInputShutdown() {
    return current().isInputShutdown();
  }

  @Override
  public boolean isOutputShutdown() {
    return current().isOutputShutdown();
  }

  @Override
  public void sendUrgentData(int data) throws IOException {
    current().sendUrgentData(data);
  }

  @Override
  public void connect(SocketAddress endpoint) throws IOException {
    throw new SocketException("already connected");
  }

  @Override
  public void connect(SocketAddress endpoint, int timeout) throws IOException {
    throw new SocketException("already connected");
  }

  @Override
  public void bind(SocketAddress bindpoint) throws IOException {
    throw new SocketException("Already bound");
  }

  @Override
  public InetAddress getInetAddress() {
    return raw.getInetAddress();
  }

  @Override
  public InetAddress getLocalAddress() {
    return raw.getLocalAddress();
  }

  @Override
  public int getPort() {
    return raw.getPort();
  }

  @Override
  public int getLocalPort() {
    return raw.getLocalPort();
  }

  @Override
  public SocketAddress getRemoteSocketAddress() {
    return raw.getRemoteSocketAddress();
  }

  @Override
  public SocketAddress getLocalSocketAddress() {
    return raw.getLocalSocketAddress();
  }

  @Override
  public SocketChannel getChannel() {
    return null;
  }

  @Override
  public boolean isConnected() {
    return raw.isConnected();
  }

  @Override
  public boolean isBound() {
    return raw.isBound();
  }

  @Override
  public void setTcpNoDelay(boolean on) throws SocketException {
    raw.setTcpNoDelay(on);
  }

  @Override
  public boolean getTcpNoDelay() throws SocketException {
    return raw.getTcpNoDelay();
  }

  @Override
  public void setSoLinger(boolean on, int linger) throws SocketException {
    raw.setSoLinger(on, linger);
  }

  @Override
  public int getSoLinger() throws SocketException {
    return raw.getSoLinger();
  }

  @Override
  public void setOOBInline(boolean on) throws SocketException {
    raw.setOOBInline(on);
  }

  @Override
  public boolean getOOBInline() throws SocketException {
    return raw.getOOBInline();
  }

  @Override
  public void setSoTimeout(int timeout) throws SocketException {
    raw.setSoTimeout(timeout);
  }

  @Override
  public int getSoTimeout() throws SocketException {
    return raw.getSoTimeout();
  }

  @Override
  public void setSendBufferSize(int size) throws SocketException {
    raw.setSendBufferSize(size);
  }

  @Override
  public int getSendBufferSize() throws SocketException {
    return raw.getSendBufferSize();
  }

  @Override
  public void setReceiveBufferSize(int size) throws SocketException {
    raw.setReceiveBufferSize(size);
  }

  @Override
  public int getReceiveBufferSize() throws SocketException {
    return raw.getReceiveBufferSize();
  }

  @Override
  public void setKeepAlive(boolean on) throws SocketException {
    raw.setKeepAlive(on);
  }

  @Override
  public boolean getKeepAlive() throws SocketException {
    return raw.getKeepAlive();
  }

  @Override
  public void setTrafficClass(int tc) throws SocketException {
    raw.setTrafficClass(tc);
  }

  @Override
  public int getTrafficClass() throws SocketException {
    return raw.getTrafficClass();
  }

  @Override
  public void setReuseAddress(boolean on) throws SocketException {
    raw.setReuseAddress(on);
  }

  @Override
  public boolean getReuseAddress() throws SocketException {
    return raw.getReuseAddress();
  }

  @Override
  public void setPerformancePreferences(int connectionTime, int latency, int bandwidth) {
    raw.setPerformancePreferences(connectionTime, latency, bandwidth);
  }

  @Override
  public <T> Socket setOption(SocketOption<T> name, T value) throws IOException {
    raw.setOption(name, value);
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    return raw.getOption(name);
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return raw.supportedOptions();
  }

  @Override
  public String toString() {
    return raw.toString();
  }

  /** The application's input: the transport's, settled on the first read. */
  private final class In extends InputStream {
    @Override
    public int read() throws IOException {
      int b = transport().in.read();
      if (b >= 0) {
        inbound.transferred(0, 1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = transport().in.read(b, off, len);
      if (n > 0) {
        inbound.transferred(0, n);
      }
      return n;
    }

    @Override
    public int available() throws IOException {
      InboundTransport t = settled;
      return t == null ? 0 : t.in.available();
    }

    @Override
    public void close() throws IOException {
      MeshAcceptedSocket.this.close();
    }
  }

  /** The application's output: the transport's, settled on the first write. */
  private final class Out extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      transport().out.write(b);
      inbound.transferred(1, 0);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      transport().out.write(b, off, len);
      inbound.transferred(len, 0);
    }

    @Override
    public void flush() throws IOException {
      InboundTransport t = settled;
      if (t != null) {
        t.out.flush();
      }
    }

    @Override
    public void close() throws IOException {
      MeshAcceptedSocket.this.close();
    }
  }
}
