package dev.jmesh.bootstrap;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The transport of one connection a direct-inbound server accepted, settled the way {@link
 * MeshInbound} asks: the first bytes peeked (never consumed for the application) until the mesh
 * picks plaintext, mutual TLS or a refusal; TLS layered on the accepted socket with the peeked
 * bytes handed to the JDK as already consumed; then the peer's identity and the connection policy.
 *
 * <p>It runs on the thread that first reads or writes the connection, never in {@code accept()}: a
 * slow or silent client (a server-speaks-first protocol) must not stall the accept loop. A refused
 * connection is closed and reads as the end of the stream.
 */
final class InboundTransport {

  /** A refused connection: nothing to read, nothing to write. */
  private static final InputStream NOTHING = InputStream.nullInputStream();

  /** The socket the application's bytes go through: the TLS socket, or the accepted one. */
  final Socket socket;

  final InputStream in;
  final OutputStream out;

  private InboundTransport(Socket socket, InputStream in, OutputStream out) {
    this.socket = socket;
    this.in = in;
    this.out = out;
  }

  boolean refused() {
    return in == NOTHING;
  }

  /**
   * Settles {@code raw}'s transport; never throws. Whatever fails, the connection is closed: a port
   * the mesh serves directly may be STRICT, and STRICT fails closed.
   */
  static InboundTransport settle(MeshInbound inbound, Socket raw) {
    try {
      byte[] first = new byte[MeshInbound.SNIFF_BYTES];
      int[] length = new int[1];
      int transport = inbound.sniff() ? sniff(inbound, raw, first, length) : transport(inbound);
      InboundTransport settled;
      if (transport == MeshInbound.PLAINTEXT) {
        InputStream rawIn = raw.getInputStream();
        InputStream in =
            length[0] == 0
                ? rawIn
                : new SequenceInputStream(new ByteArrayInputStream(first, 0, length[0]), rawIn);
        settled = new InboundTransport(raw, in, raw.getOutputStream());
      } else if (transport == MeshInbound.TLS) {
        settled = secure(inbound, raw, first, length[0]);
      } else {
        settled = null;
      }
      if (settled != null && inbound.admitted()) {
        return settled;
      }
      if (settled != null) {
        closeQuietly(settled.socket);
      }
    } catch (IOException e) {
      // A client that went away or failed its handshake: nothing to report.
    } catch (RuntimeException | LinkageError e) {
      MeshHooks.failed("inbound-transport", e);
    }
    return refuse(raw);
  }

  /** The transport when the first bytes are not looked at; {@code NEED_MORE} means plaintext. */
  private static int transport(MeshInbound inbound) {
    int transport = inbound.transport(null, 0);
    return transport == MeshInbound.NEED_MORE ? MeshInbound.PLAINTEXT : transport;
  }

  /**
   * Reads first bytes until the mesh decides, for at most the detection timeout; a client silent
   * that long (or one that closed) is decided without them.
   */
  private static int sniff(MeshInbound inbound, Socket raw, byte[] first, int[] length)
      throws IOException {
    long timeout = inbound.detectionTimeoutMillis();
    long deadline = System.nanoTime() + timeout * 1_000_000L;
    int saved = raw.getSoTimeout();
    InputStream in = raw.getInputStream();
    try {
      while (length[0] < first.length) {
        int wait = 0;
        if (timeout > 0) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            break;
          }
          wait = (int) Math.max(1, Math.min(Integer.MAX_VALUE, (left + 999_999) / 1_000_000));
        }
        raw.setSoTimeout(wait);
        int n;
        try {
          n = in.read(first, length[0], first.length - length[0]);
        } catch (SocketTimeoutException silent) {
          break;
        }
        if (n < 0) {
          break;
        }
        length[0] += n;
        int transport = inbound.transport(first, length[0]);
        if (transport != MeshInbound.NEED_MORE) {
          return transport;
        }
      }
    } finally {
      if (!raw.isClosed()) {
        raw.setSoTimeout(saved);
      }
    }
    return transport(inbound);
  }

  /** Mutual TLS on the accepted socket; {@code null} when the peer is not one the mesh accepts. */
  private static InboundTransport secure(MeshInbound inbound, Socket raw, byte[] first, int length)
      throws IOException {
    SSLContext context = inbound.tls();
    if (context == null) {
      return null;
    }
    // The JDK's server-side layering: the bytes already read are the start of the ClientHello.
    SSLSocket tls =
        (SSLSocket)
            context
                .getSocketFactory()
                .createSocket(raw, new ByteArrayInputStream(first, 0, length), true);
    try {
      tls.setUseClientMode(false);
      SSLParameters parameters = inbound.tlsParameters();
      if (parameters != null) {
        tls.setSSLParameters(parameters);
      }
      tls.startHandshake();
      if (!inbound.secured(tls.getSession())) {
        closeQuietly(tls);
        return null;
      }
      return new InboundTransport(tls, tls.getInputStream(), tls.getOutputStream());
    } catch (IOException | RuntimeException e) {
      closeQuietly(tls);
      throw e;
    }
  }

  private static InboundTransport refuse(Socket raw) {
    closeQuietly(raw);
    return new InboundTransport(raw, NOTHING, new Refused());
  }

  /** Writes to a refused connection fail, as writes to a closed socket do. */
  private static final class Refused extends OutputStream {
    @Override
    public void write(int b) throws IOException {
      throw new java.net.SocketException("jmesh: the mesh refused this connection");
    }
  }

  /** Closes the transport (a TLS socket sends its close_notify) and the accepted socket. */
  void close() {
    closeQuietly(socket);
  }

  static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException | RuntimeException e) {
      // closing anyway
    }
  }
}
