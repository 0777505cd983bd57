package dev.jmesh.instrumentation.servlet.v5_0;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jmesh.bootstrap.MeshBridge;
import dev.jmesh.bootstrap.MeshHeaders;
import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.bootstrap.MeshInboundRequest;
import dev.jmesh.bootstrap.MeshRequest;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The mesh's entry in a servlet container, against a fake bridge: what reaches the application,
 * what is answered locally, and that a failure refuses the request instead of skipping the policy.
 */
class ServletInboundTest {

  /** What the fake container's response received. */
  private final Map<String, String> responseHeaders = new HashMap<>();

  private final StringWriter body = new StringWriter();
  private final AtomicInteger status = new AtomicInteger(200);
  private final AtomicInteger finished = new AtomicInteger(-1);

  @AfterEach
  void uninstall() {
    MeshHooks.uninstall();
  }

  @Test
  void aRequestTheMeshLeavesAloneReachesTheApplicationAsItIs() {
    MeshHooks.install(new NoSocketBridge());
    HttpServletRequest original = request(DispatcherType.REQUEST, Map.of("x-a", "1"));
    ServletInbound mesh = ServletInbound.begin(original, response());
    assertThat(mesh.refused()).isFalse();
    assertThat(mesh.request(original)).isSameAs(original);
    mesh.end(false);
  }

  @Test
  void anAllowedRequestSeesTheMeshHeadersAndIsRecordedWhenItsResponseIsOver() {
    MeshHooks.install(bridge(new Decision(true, 0, null)));
    HttpServletRequest original =
        request(DispatcherType.REQUEST, Map.of("x-forwarded-client-cert", "URI=spiffe://evil"));
    ServletInbound mesh = ServletInbound.begin(original, response());
    assertThat(mesh.refused()).isFalse();
    HttpServletRequest seen = (HttpServletRequest) mesh.request(original);
    assertThat(seen.getHeader("X-Forwarded-Client-Cert")).isEqualTo("By=me;URI=spiffe://peer");
    assertThat(Collections.list(seen.getHeaders("x-forwarded-for"))).containsExactly("127.0.0.1");
    assertThat(original.getHeader("x-forwarded-client-cert")).isEqualTo("URI=spiffe://evil");
    assertThat(responseHeaders).containsEntry("x-envoy-peer-metadata", "self");
    // Filters re-enter the chain: only the outermost entry acts.
    assertThat(ServletInbound.begin(seen, response())).isNull();
    status.set(201);
    mesh.end(false);
    assertThat(finished.get()).isEqualTo(201);
  }

  @Test
  void anAsynchronousRequestIsRecordedWhenItCompletesNotWhenTheEntryReturns() throws Exception {
    MeshHooks.install(bridge(new Decision(true, 0, null)));
    AtomicReference<AsyncListener> listener = new AtomicReference<>();
    AsyncContext async =
        (AsyncContext)
            Proxy.newProxyInstance(
                ServletInboundTest.class.getClassLoader(),
                new Class<?>[] {AsyncContext.class},
                (proxy, method, args) -> {
                  if (method.getName().equals("addListener")) {
                    listener.set((AsyncListener) args[0]);
                  }
                  return null;
                });
    HttpServletRequest original = request(DispatcherType.REQUEST, Map.of(), async);
    ServletInbound mesh = ServletInbound.begin(original, response());
    mesh.end(false);
    assertThat(finished.get()).as("not recorded while the response goes on").isEqualTo(-1);
    status.set(202);
    listener.get().onComplete(null);
    assertThat(finished.get()).isEqualTo(202);
  }

  @Test
  void aDeniedRequestIsAnsweredByTheMeshAndNeverReachesTheApplication() {
    MeshHooks.install(bridge(new Decision(false, 403, "RBAC: access denied")));
    ServletInbound mesh =
        ServletInbound.begin(request(DispatcherType.REQUEST, Map.of()), response());
    assertThat(mesh.refused()).isTrue();
    assertThat(status.get()).isEqualTo(403);
    assertThat(body.toString()).isEqualTo("RBAC: access denied");
    assertThat(finished.get()).isEqualTo(403);
    mesh.end(false);
  }

  @Test
  void aFailureWhileCheckingARelayedRequestRefusesItWith503() {
    MeshHooks.install(bridge(null));
    ServletInbound mesh =
        ServletInbound.begin(request(DispatcherType.REQUEST, Map.of()), response());
    assertThat(mesh.refused()).isTrue();
    assertThat(status.get()).isEqualTo(503);
    mesh.end(false);
  }

  @Test
  void forwardsAndAsynchronousDispatchesAreNotCheckedAgain() {
    MeshHooks.install(bridge(new Decision(false, 403, "RBAC: access denied")));
    assertThat(ServletInbound.begin(request(DispatcherType.ASYNC, Map.of()), response())).isNull();
    assertThat(ServletInbound.begin(request(DispatcherType.FORWARD, Map.of()), response()))
        .isNull();
  }

  /** A bridge whose every container request is on a relayed connection deciding {@code d}. */
  private MeshBridge bridge(Decision d) {
    return new NoSocketBridge() {
      @Override
      public MeshInbound containerInbound(
          String library, int localPort, String remoteAddress, int remotePort) {
        return new RelayedInbound(d);
      }
    };
  }

  private record Decision(boolean allowed, int status, String body) {}

  private final class RelayedInbound extends MeshInbound {
    private final Decision decision;

    RelayedInbound(Decision decision) {
      this.decision = decision;
    }

    @Override
    public MeshInboundRequest request(MeshRequest request) {
      if (decision == null) {
        throw new IllegalStateException("the data path failed");
      }
      return new MeshInboundRequest() {
        @Override
        public boolean allowed() {
          return decision.allowed();
        }

        @Override
        public int replyStatus() {
          return decision.status();
        }

        @Override
        public String replyBody() {
          return decision.body();
        }

        @Override
        public void requestHeaders(MeshHeaders h) {
          h.remove("x-forwarded-client-cert");
          h.set("x-forwarded-client-cert", "By=me;URI=spiffe://peer");
          h.add("x-forwarded-for", "127.0.0.1");
        }

        @Override
        public void responseHeaders(MeshHeaders h) {
          h.set("x-envoy-peer-metadata", "self");
        }

        @Override
        public void finish(int s, int grpcStatus, long received, long sent) {
          finished.set(s);
        }
      };
    }

    @Override
    public boolean sniff() {
      return false;
    }

    @Override
    public long detectionTimeoutMillis() {
      return 0;
    }

    @Override
    public int transport(byte[] first, int length) {
      return PLAINTEXT;
    }

    @Override
    public SSLContext tls() {
      return null;
    }

    @Override
    public SSLParameters tlsParameters() {
      return null;
    }

    @Override
    public boolean secured(SSLSession session) {
      return false;
    }

    @Override
    public boolean admitted() {
      return true;
    }

    @Override
    public boolean http() {
      return true;
    }
  }

  private static HttpServletRequest request(DispatcherType type, Map<String, String> headers) {
    return request(type, headers, null);
  }

  /** {@code async}: the request's started asynchronous context, or {@code null}. */
  private static HttpServletRequest request(
      DispatcherType type, Map<String, String> headers, AsyncContext async) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    return (HttpServletRequest)
        Proxy.newProxyInstance(
            ServletInboundTest.class.getClassLoader(),
            new Class<?>[] {HttpServletRequest.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "getDispatcherType" -> type;
                  case "getLocalPort" -> 8080;
                  case "getRemoteAddr" -> "127.0.0.1";
                  case "getRemotePort" -> 40000;
                  case "getMethod" -> "GET";
                  case "getRequestURI" -> "/hello";
                  case "getServerName" -> "reviews";
                  case "getServerPort" -> 8080;
                  case "getHeader" -> h.get(((String) args[0]).toLowerCase());
                  case "getHeaderNames" -> Collections.enumeration(h.keySet());
                  case "getHeaders" ->
                      Collections.enumeration(
                          h.containsKey((String) args[0]) ? List.of(h.get(args[0])) : List.of());
                  case "isAsyncStarted" -> async != null;
                  case "getAsyncContext" -> async;
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  default -> null;
                });
  }

  private HttpServletResponse response() {
    PrintWriter writer = new PrintWriter(body);
    return (HttpServletResponse)
        Proxy.newProxyInstance(
            ServletInboundTest.class.getClassLoader(),
            new Class<?>[] {HttpServletResponse.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "setStatus" -> {
                    status.set((Integer) args[0]);
                    yield null;
                  }
                  case "getStatus" -> status.get();
                  case "setHeader", "addHeader" -> {
                    responseHeaders.put((String) args[0], (String) args[1]);
                    yield null;
                  }
                  case "containsHeader" -> responseHeaders.containsKey(args[0]);
                  case "getWriter" -> writer;
                  case "isCommitted" -> false;
                  case "hashCode" -> System.identityHashCode(proxy);
                  case "equals" -> proxy == args[0];
                  default -> null;
                });
  }
}
