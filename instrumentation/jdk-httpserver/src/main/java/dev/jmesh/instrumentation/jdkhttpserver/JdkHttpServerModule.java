package dev.jmesh.instrumentation.jdkhttpserver;

import static dev.jmesh.instrumentation.api.BridgeHook.passArgumentOnEnter;
import static dev.jmesh.instrumentation.api.BridgeHook.passArgumentOnExit;

import dev.jmesh.instrumentation.api.BridgeHook;
import dev.jmesh.instrumentation.api.InstrumentationModule;
import java.util.List;

/**
 * The JDK's HTTP server ({@code com.sun.net.httpserver}, module {@code jdk.httpserver}): the trace
 * headers of the request a handler thread serves become that thread's inbound context, so the
 * outbound calls the handler makes continue the trace without the application forwarding them.
 *
 * <p>One hook point covers every server and handler, lambdas included: {@code
 * Filter.Chain.doFilter(HttpExchange)}, through which the server runs each filter and then the
 * handler. On entry the bridge reads the exchange's headers; on a normal exit the context ends. A
 * handler that throws leaves it until the next request on that thread replaces it.
 */
public final class JdkHttpServerModule implements InstrumentationModule {

  private static final String CHAIN = "com.sun.net.httpserver.Filter$Chain";
  private static final String DO_FILTER = "(Lcom/sun/net/httpserver/HttpExchange;)V";

  @Override
  public String name() {
    return "jdk-httpserver";
  }

  @Override
  public List<BridgeHook> bridgeHooks() {
    return List.of(
        passArgumentOnEnter(CHAIN, "doFilter", DO_FILTER, 0,
            "serverExchange", "(Ljava/lang/Object;)V"),
        passArgumentOnExit(CHAIN, "doFilter", DO_FILTER, 0,
            "serverExchangeDone", "(Ljava/lang/Object;)V"));
  }
}
