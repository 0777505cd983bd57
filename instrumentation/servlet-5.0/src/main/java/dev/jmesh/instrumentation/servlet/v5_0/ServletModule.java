package dev.jmesh.instrumentation.servlet.v5_0;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * Jakarta Servlet 5.0 and later (Tomcat 10+, Jetty 11+ and their ee10/ee11 flavours): the trace
 * headers of the request a servlet serves become its thread's inbound context, so the outbound
 * calls it makes continue the trace without the application forwarding the headers. TLS stays with
 * the engine, which stands in front of the container; with {@code inboundPath: direct} the engine
 * relays the connections of a port the container claimed, and the container's entry (Tomcat's
 * filter chain, Jetty's mapped servlet) runs the port's HTTP policy, the mesh's request headers and
 * the records.
 */
public final class ServletModule implements InstrumentationModule {

  @Override
  public String name() {
    return "servlet-5.0";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of(
        "jakarta.servlet.http.HttpServlet",
        "org.apache.catalina.core.ApplicationFilterChain",
        JettyMappedServletInstrumentation.EE10,
        JettyMappedServletInstrumentation.EE11);
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(
        new HttpServletInstrumentation(),
        new TomcatFilterChainInstrumentation(),
        new JettyMappedServletInstrumentation());
  }

  @Override
  public List<String> helperClassNames() {
    // By name: loading them here, in the agent's class loader, would need the Servlet API.
    String p = "dev.jmesh.instrumentation.servlet.v5_0.";
    return List.of(
        p + "ServletRequestView",
        p + "MeshServletRequest",
        p + "ServletResponseHeaders",
        p + "AsyncCompletion",
        p + "ServletInbound");
  }
}
