package dev.jmesh.instrumentation.servlet.v5_0;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletRequest;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code HttpServlet.service(ServletRequest, ServletResponse)}, which the container calls for every
 * request a servlet serves: the request's trace headers are the thread's inbound context until the
 * method returns or throws.
 */
final class HttpServletInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("jakarta.servlet.http.HttpServlet");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("service")
            .and(isPublic())
            .and(takesArguments(2))
            .and(takesArgument(0, named("jakarta.servlet.ServletRequest"))),
        HttpServletInstrumentation.class.getName() + "$ServiceAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ServiceAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.Argument(0) ServletRequest request) {
      if (request instanceof HttpServletRequest) {
        HttpServletRequest r = (HttpServletRequest) request;
        MeshHooks.enterInbound(
            r.getHeader("traceparent"),
            r.getHeader("tracestate"),
            r.getHeader("b3"),
            r.getHeader("x-b3-traceid"),
            r.getHeader("x-b3-spanid"),
            r.getHeader("x-b3-sampled"),
            r.getHeader("x-request-id"));
      }
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit() {
      MeshHooks.exitInbound();
    }
  }
}
