package dev.jmesh.bootstrap;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;

/**
 * One connection an application's own server accepted on a port it serves itself (direct inbound:
 * no engine in between), as the mesh wants it served. An instrumentation gets one from {@link
 * MeshHooks#inbound} per accepted connection and drives it:
 *
 * <ol>
 *   <li><b>Transport</b>: if {@link #sniff()}, peek at up to {@link #SNIFF_BYTES} first bytes
 *       (without consuming them for the application) and ask {@link #transport(byte[], int)};
 *       otherwise ask {@code transport(null, 0)} at once. A client that sent nothing within {@link
 *       #detectionTimeoutMillis()} is taken as {@link #PLAINTEXT} (a server-speaks-first protocol).
 *       {@link #REFUSE}: close the connection (STRICT and a plaintext client, DISABLE and a TLS
 *       one, no config yet).
 *   <li><b>TLS</b> ({@link #TLS}): a server-mode {@code SSLEngine}/{@code SSLSocket} from {@link
 *       #tls()} with {@link #tlsParameters()} (client certificate required); when the handshake is
 *       done, {@link #secured(SSLSession)} — {@code false}: close.
 *   <li><b>Admission</b>: {@link #admitted()} once the transport is settled (connection-level
 *       policy of a TCP port; always {@code true} for an HTTP port) — {@code false}: close.
 *   <li><b>Requests</b> (HTTP): {@link #request(MeshRequest)} per request before the application
 *       sees it, then {@link MeshInboundRequest}'s methods.
 * </ol>
 *
 * <p>Implemented by the data path; never throws (a failure answers as STRICT mTLS and DENY fail:
 * closed).
 */
public abstract class MeshInbound {

  /** {@link #transport}: more first bytes are needed to decide. */
  public static final int NEED_MORE = 0;

  /** {@link #transport}: serve the connection in plaintext. */
  public static final int PLAINTEXT = 1;

  /** {@link #transport}: terminate mutual TLS with {@link #tls()}. */
  public static final int TLS = 2;

  /** {@link #transport}: close the connection. */
  public static final int REFUSE = 3;

  /** Enough first bytes for every verdict (the HTTP/2 preface is the longest). */
  public static final int SNIFF_BYTES = 24;

  /** Whether the first bytes pick the transport (PERMISSIVE). */
  public abstract boolean sniff();

  /** How long to wait for a client's first bytes before taking it as plaintext. */
  public abstract long detectionTimeoutMillis();

  /**
   * The transport for a connection that began with {@code first[0..length)} ({@code null, 0} when
   * not sniffing): {@link #PLAINTEXT}, {@link #TLS}, {@link #REFUSE} or {@link #NEED_MORE}.
   */
  public abstract int transport(byte[] first, int length);

  /** This workload's server TLS (its SPIFFE certificate, the mesh's trust bundle). */
  public abstract SSLContext tls();

  /** The parameters every server engine or socket of {@link #tls()} takes (client auth needed). */
  public abstract SSLParameters tlsParameters();

  /** The handshake finished: whether the peer's certificate names an acceptable SPIFFE ID. */
  public abstract boolean secured(SSLSession session);

  /** Whether connection-level policy admits the peer (a TCP port's RBAC); HTTP ports: true. */
  public abstract boolean admitted();

  /** Whether the port speaks HTTP, so that {@link #request} applies per request. */
  public abstract boolean http();

  /** One request on this connection, before the application sees it; never {@code null}. */
  public abstract MeshInboundRequest request(MeshRequest request);

  /**
   * Bytes the application read from ({@code received}) and wrote to ({@code sent}) an admitted
   * connection of a TCP port, as they move, for the mesh's TCP metrics. HTTP ports count per
   * request instead; an instrumentation that cannot count bytes need not call it.
   */
  public void transferred(long sent, long received) {}

  /** An admitted connection ended (at most once per connection); its TCP metrics close. */
  public void closed() {}
}
