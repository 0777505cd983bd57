package dev.jmesh.instrumentation.testing;

import dev.jmesh.bootstrap.MeshHeaders;
import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.bootstrap.MeshInboundRequest;
import dev.jmesh.bootstrap.MeshRequest;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A test double of one port's direct-inbound answers, for {@link ScriptedBridge#inbound}: STRICT
 * (TLS only), PERMISSIVE (sniffed) or DISABLE (plaintext only), an HTTP or TCP port, and a policy
 * over requests. It records what the instrumentation reported: the transports chosen, the peers
 * secured, the requests checked and their outcomes.
 */
public final class ScriptedInbound extends MeshInbound {

  /** How a port takes connections. */
  public enum Mode {
    STRICT,
    PERMISSIVE,
    DISABLE
  }

  private final Mode mode;
  private final SSLContext tls;
  private boolean http = true;
  private Predicate<MeshRequest> allow = r -> true;
  private boolean admit = true;
  private final List<Integer> transports = new CopyOnWriteArrayList<>();
  private final List<String> peers = new CopyOnWriteArrayList<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  /** {@code tls}: the server context (e.g. {@link TestTls#server}); {@code null} for DISABLE. */
  public ScriptedInbound(Mode mode, SSLContext tls) {
    this.mode = mode;
    this.tls = tls;
  }

  /** A TCP port: no {@link #request} calls, connection policy only. */
  public ScriptedInbound tcp(boolean admitted) {
    this.http = false;
    this.admit = admitted;
    return this;
  }

  /** Requests {@code allow} rejects get 403 {@code RBAC: access denied}. */
  public ScriptedInbound allow(Predicate<MeshRequest> allow) {
    this.allow = allow;
    return this;
  }

  /** The transports answered, in order ({@link #PLAINTEXT}, {@link #TLS}, {@link #REFUSE}). */
  public List<Integer> transports() {
    return transports;
  }

  /** Subject names of the peers whose handshake was reported, in order. */
  public List<String> peers() {
    return peers;
  }

  /** The requests checked, in order. */
  public List<Request> requests() {
    return requests;
  }

  @Override
  public boolean sniff() {
    return mode == Mode.PERMISSIVE;
  }

  @Override
  public long detectionTimeoutMillis() {
    return 500;
  }

  @Override
  public int transport(byte[] first, int length) {
    int t;
    if (mode == Mode.STRICT) {
      t = TLS;
    } else if (mode == Mode.DISABLE) {
      t = PLAINTEXT;
    } else if (first == null || length == 0) {
      // The client said nothing within the detection timeout: plaintext, as the contract says.
      t = PLAINTEXT;
    } else {
      // A TLS record starts with the handshake type 0x16 and version 3.x.
      t = first[0] == 0x16 ? (length < 2 ? NEED_MORE : first[1] == 3 ? TLS : PLAINTEXT) : PLAINTEXT;
    }
    if (t != NEED_MORE) {
      transports.add(t);
    }
    return t;
  }

  @Override
  public SSLContext tls() {
    return tls;
  }

  @Override
  public SSLParameters tlsParameters() {
    SSLParameters p = new SSLParameters();
    p.setNeedClientAuth(true);
    p.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
    return p;
  }

  @Override
  public boolean secured(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      peers.add(((X509Certificate) chain[0]).getSubjectX500Principal().getName());
      return true;
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  @Override
  public boolean admitted() {
    return admit;
  }

  @Override
  public boolean http() {
    return http;
  }

  @Override
  public MeshInboundRequest request(MeshRequest request) {
    Request r = new Request(request.method(), request.path(), allow.test(request));
    requests.add(r);
    return r;
  }

  /** One checked request and what the instrumentation reported of it. */
  public static final class Request extends MeshInboundRequest {
    public final String method;
    public final String path;
    private final boolean allowed;
    private final List<int[]> finishes = new CopyOnWriteArrayList<>();
    private volatile long bytesReceived;
    private volatile long bytesSent;

    Request(String method, String path, boolean allowed) {
      this.method = method;
      this.path = path;
      this.allowed = allowed;
    }

    /** Each {@link #finish} call's {@code {status, grpcStatus}}; exactly one is expected. */
    public List<int[]> finishes() {
      return finishes;
    }

    public long bytesReceived() {
      return bytesReceived;
    }

    public long bytesSent() {
      return bytesSent;
    }

    @Override
    public boolean allowed() {
      return allowed;
    }

    @Override
    public int replyStatus() {
      return 403;
    }

    @Override
    public String replyBody() {
      return "RBAC: access denied";
    }

    @Override
    public void requestHeaders(MeshHeaders headers) {
      headers.remove("x-forwarded-client-cert");
      headers.set("x-jmesh-inbound", "direct");
    }

    @Override
    public void responseHeaders(MeshHeaders headers) {
      headers.set("x-jmesh-served", "direct");
    }

    @Override
    public void finish(int status, int grpcStatus, long bytesReceived, long bytesSent) {
      this.bytesReceived = bytesReceived;
      this.bytesSent = bytesSent;
      finishes.add(new int[] {status, grpcStatus});
    }
  }
}
