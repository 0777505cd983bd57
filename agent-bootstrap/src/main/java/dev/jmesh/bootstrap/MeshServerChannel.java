package dev.jmesh.bootstrap;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.nio.ByteBuffer;
import java.nio.channels.AlreadyConnectedException;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The channel the JDK's HTTP server reads a direct-inbound connection's requests from and writes
 * its responses to ({@code Request.ReadStream} and {@code WriteStream} take it in place of the
 * accepted one). It settles the connection's transport on the first read, on the exchange thread
 * (plaintext, the mesh's mutual TLS, or closed: {@link InboundTransport}), through the accepted
 * channel's blocking socket adaptor; then plaintext bytes pass as they are and TLS records are
 * decrypted and encrypted on the way. The server keeps selecting and closing the accepted channel
 * itself; this one is never registered with a selector.
 *
 * <p>Also the connection's handle for the server's request policy: its {@link #inbound()} and the
 * exchange in flight on it.
 */
public final class MeshServerChannel extends SocketChannel {

  private static final int COPY_CHUNK = 16 * 1024;

  final SocketChannel accepted;
  final Object key;
  private final MeshInbound inbound;
  private final ReentrantLock settling = new ReentrantLock();
  private volatile InboundTransport settled;
  private final AtomicReference<Object> inFlight = new AtomicReference<>();

  MeshServerChannel(SocketChannel accepted, MeshInbound inbound, Object key) {
    super(accepted.provider());
    this.accepted = accepted;
    this.inbound = inbound;
    this.key = key;
  }

  /** How the mesh serves this connection. */
  public MeshInbound inbound() {
    return inbound;
  }

  /** Makes {@code exchange} the one in flight, to be ended if the connection closes under it. */
  public void begin(Object exchange) {
    inFlight.set(exchange);
  }

  /** {@code exchange} is over. */
  public void end(Object exchange) {
    inFlight.compareAndSet(exchange, null);
  }

  /** The exchange in flight, taken off the connection (it closed); {@code null} when none. */
  Object abandon() {
    return inFlight.getAndSet(null);
  }

  private InboundTransport transport() {
    InboundTransport t = settled;
    if (t != null) {
      return t;
    }
    settling.lock();
    try {
      t = settled;
      if (t == null) {
        t = InboundTransport.settle(inbound, accepted.socket());
        settled = t;
      }
      return t;
    } finally {
      settling.unlock();
    }
  }

  private Socket current() {
    InboundTransport t = settled;
    return t != null ? t.socket : accepted.socket();
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!dst.hasRemaining()) {
      return 0;
    }
    InboundTransport t = transport();
    if (dst.hasArray()) {
      int n = t.in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
      if (n > 0) {
        dst.position(dst.position() + n);
      }
      return n;
    }
    byte[] chunk = new byte[Math.min(dst.remaining(), COPY_CHUNK)];
    int n = t.in.read(chunk, 0, chunk.length);
    if (n > 0) {
      dst.put(chunk, 0, n);
    }
    return n;
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    for (int i = offset; i < offset + length; i++) {
      if (dsts[i].hasRemaining()) {
        return read(dsts[i]);
      }
    }
    return 0;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    int n = src.remaining();
    if (n == 0) {
      return 0;
    }
    InboundTransport t = transport();
    if (src.hasArray()) {
      t.out.write(src.array(), src.arrayOffset() + src.position(), n);
      src.position(src.limit());
    } else {
      byte[] chunk = new byte[Math.min(n, COPY_CHUNK)];
      while (src.hasRemaining()) {
        int c = Math.min(chunk.length, src.remaining());
        src.get(chunk, 0, c);
        t.out.write(chunk, 0, c);
      }
    }
    t.out.flush();
    return n;
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long written = 0;
    for (int i = offset; i < offset + length; i++) {
      written += write(srcs[i]);
    }
    return written;
  }

  @Override
  protected void implCloseSelectableChannel() throws IOException {
    JdkHttpServerHooks.closed(this);
    InboundTransport t = settled;
    if (t != null) {
      t.close();
    }
    accepted.close();
  }

  @Override
  protected void implConfigureBlocking(boolean block) {
    // The server sets the accepted channel's mode; this one only reads and writes while it blocks.
  }

  @Override
  public SocketChannel bind(SocketAddress local) throws IOException {
    accepted.bind(local);
    return this;
  }

  @Override
  public <T> SocketChannel setOption(SocketOption<T> name, T value) throws IOException {
    accepted.setOption(name, value);
    return this;
  }

  @Override
  public <T> T getOption(SocketOption<T> name) throws IOException {
    return accepted.getOption(name);
  }

  @Override
  public Set<SocketOption<?>> supportedOptions() {
    return accepted.supportedOptions();
  }

  @Override
  public SocketChannel shutdownInput() throws IOException {
    current().shutdownInput();
    return this;
  }

  @Override
  public SocketChannel shutdownOutput() throws IOException {
    current().shutdownOutput();
    return this;
  }

  @Override
  public Socket socket() {
    return accepted.socket();
  }

  @Override
  public boolean isConnected() {
    return accepted.isConnected();
  }

  @Override
  public boolean isConnectionPending() {
    return false;
  }

  @Override
  public boolean connect(SocketAddress remote) {
    throw new AlreadyConnectedException();
  }

  @Override
  public boolean finishConnect() {
    return true;
  }

  @Override
  public SocketAddress getRemoteAddress() throws IOException {
    return accepted.getRemoteAddress();
  }

  @Override
  public SocketAddress getLocalAddress() throws IOException {
    return accepted.getLocalAddress();
  }

  @Override
  public String toString() {
    return accepted.toString();
  }
}
