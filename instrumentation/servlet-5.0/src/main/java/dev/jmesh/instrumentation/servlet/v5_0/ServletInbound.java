package dev.jmesh.instrumentation.servlet.v5_0;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.bootstrap.MeshInbound;
import dev.jmesh.bootstrap.MeshInboundRequest;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;

/**
 * One request a servlet container serves, as the mesh sees it at the container's entry (before the
 * application's filters and servlet). A request that came over a connection the engine relays to
 * the container ({@link MeshHooks#containerInbound}) passes the port's HTTP policy here: a denied
 * one gets the policy's local reply and never reaches the application; an allowed one goes on with
 * the mesh's request headers and is recorded when its response is over. Any other request is left
 * alone. Fails closed: if the mesh fails while checking a relayed request, the request is refused
 * with 503.
 *
 * <p>Only the outermost entry of a request acts (a thread-local marks it): the filter chain is
 * entered again by every filter, and forwards, includes, error pages and asynchronous dispatches
 * (not {@link DispatcherType#REQUEST}) belong to a request already checked.
 */
public final class ServletInbound {

  private static final String LIBRARY = "servlet";

  private static final ThreadLocal<ServletInbound> OUTERMOST = new ThreadLocal<>();

  /** The outermost entry of a request the mesh leaves alone. */
  private static final ServletInbound UNTOUCHED = new ServletInbound(null, null, null, false);

  private final HttpServletRequest request;
  private final HttpServletResponse response;
  private final MeshInboundRequest decision;
  private final boolean refused;

  private ServletInbound(
      HttpServletRequest request,
      HttpServletResponse response,
      MeshInboundRequest decision,
      boolean refused) {
    this.request = request;
    this.response = response;
    this.decision = decision;
    this.refused = refused;
  }

  /**
   * The container enters its chain for {@code req}: {@code null} when this is not the request's
   * outermost entry; otherwise what the mesh decided, to be ended with {@link #end} on exit.
   */
  public static ServletInbound begin(ServletRequest req, ServletResponse res) {
    if (OUTERMOST.get() != null
        || !(req instanceof HttpServletRequest)
        || !(res instanceof HttpServletResponse)
        || req.getDispatcherType() != DispatcherType.REQUEST) {
      return null;
    }
    HttpServletRequest http = (HttpServletRequest) req;
    HttpServletResponse out = (HttpServletResponse) res;
    MeshInbound inbound =
        MeshHooks.containerInbound(
            LIBRARY, http.getLocalPort(), http.getRemoteAddr(), http.getRemotePort());
    ServletInbound decided = inbound == null ? UNTOUCHED : decide(inbound, http, out);
    OUTERMOST.set(decided);
    return decided;
  }

  private static ServletInbound decide(
      MeshInbound inbound, HttpServletRequest http, HttpServletResponse out) {
    MeshInboundRequest decision = null;
    try {
      decision = inbound.request(new ServletRequestView(http));
      decision.responseHeaders(new ServletResponseHeaders(out));
      if (!decision.allowed()) {
        int sent = reply(out, decision.replyStatus(), decision.replyBody());
        decision.finish(decision.replyStatus(), -1, 0, sent);
        return new ServletInbound(http, out, decision, true);
      }
      MeshServletRequest changed = new MeshServletRequest(http);
      decision.requestHeaders(changed);
      return new ServletInbound(changed, out, decision, false);
    } catch (Throwable t) {
      // Nothing vouches for this request any more: refused, never passed on unchecked.
      try {
        if (!out.isCommitted()) {
          out.reset();
          reply(out, 503, "jmesh: the mesh failed to check this request");
        }
      } catch (Throwable ignored) {
        // The response is the container's to end.
      }
      if (decision != null) {
        decision.finish(503, -1, 0, 0);
      }
      return new ServletInbound(http, out, null, true);
    }
  }

  private static int reply(HttpServletResponse out, int status, String body) throws IOException {
    String text = body == null ? "" : body;
    out.setStatus(status);
    if (status == 503) {
      // The mesh cannot vouch for this connection: the client's next request comes on a new one.
      out.setHeader("Connection", "close");
    }
    out.setContentType("text/plain;charset=utf-8");
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.setContentLength(bytes.length);
    PrintWriter w = out.getWriter();
    w.write(text);
    w.flush();
    return bytes.length;
  }

  /** Whether the request was answered by the mesh and must not reach the application. */
  public boolean refused() {
    return refused;
  }

  /** The request the application is to see: {@code original} when the mesh left it alone. */
  public ServletRequest request(ServletRequest original) {
    return request != null ? request : original;
  }

  /**
   * The container's entry returned or threw: the record of a request served synchronously is
   * finished now with the response's status; an asynchronous one is finished when it completes.
   */
  public void end(boolean thrown) {
    OUTERMOST.remove();
    if (decision == null || refused) {
      return;
    }
    try {
      if (request.isAsyncStarted()) {
        request.getAsyncContext().addListener(new AsyncCompletion(decision, response));
        return;
      }
    } catch (IllegalStateException e) {
      // Completed meanwhile: recorded below.
    }
    decision.finish(thrown ? 500 : response.getStatus(), -1, 0, 0);
  }
}
