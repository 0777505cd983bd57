package dev.jmesh.instrumentation.servlet.v5_0;

import dev.jmesh.instrumentation.api.InstrumentationModule;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.util.List;

/**
 * Jakarta Servlet 5.0 and later (Tomcat 10+, Jetty 11+ and their ee10/ee11 flavours): the trace
 * headers of the request a servlet serves become its thread's inbound context, so the outbound
 * calls it makes continue the trace without the application forwarding the headers. Policy and
 * TLS stay with the engine, which stands in front of the container.
 */
public final class ServletModule implements InstrumentationModule {

  @Override
  public String name() {
    return "servlet-5.0";
  }

  @Override
  public List<String> knownTargetNames() {
    return List.of("jakarta.servlet.http.HttpServlet");
  }

  @Override
  public List<TypeInstrumentation> typeInstrumentations() {
    return List.of(new HttpServletInstrumentation());
  }
}
