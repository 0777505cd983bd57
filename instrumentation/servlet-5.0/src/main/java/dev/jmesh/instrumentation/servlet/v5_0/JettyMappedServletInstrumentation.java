package dev.jmesh.instrumentation.servlet.v5_0;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Jetty 12's {@code ServletHandler.MappedServlet.handle} (ee10, ee11): the container's entry into a
 * request's filters and servlet. Unlike Tomcat, Jetty calls no {@code FilterChain} when no filter
 * is mapped, so its chain is no entry that every request crosses; this method is. A refused request
 * skips it: the mesh's reply is the response.
 */
final class JettyMappedServletInstrumentation implements TypeInstrumentation {

  static final String EE10 = "org.eclipse.jetty.ee10.servlet.ServletHandler$MappedServlet";
  static final String EE11 = "org.eclipse.jetty.ee11.servlet.ServletHandler$MappedServlet";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(EE10, EE11);
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("handle")
            .and(takesArguments(4))
            .and(takesArgument(2, named("jakarta.servlet.http.HttpServletRequest")))
            .and(takesArgument(3, named("jakarta.servlet.http.HttpServletResponse"))),
        JettyMappedServletInstrumentation.class.getName() + "$HandleAdvice");
  }

  @SuppressWarnings("unused")
  public static final class HandleAdvice {
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static boolean enter(
        @Advice.Argument(value = 2, readOnly = false) HttpServletRequest request,
        @Advice.Argument(3) HttpServletResponse response,
        @Advice.Local("mesh") ServletInbound mesh) {
      mesh = ServletInbound.begin(request, response);
      if (mesh == null) {
        return false;
      }
      if (mesh.refused()) {
        return true;
      }
      request = (HttpServletRequest) mesh.request(request);
      return false;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit(
        @Advice.Local("mesh") ServletInbound mesh, @Advice.Thrown Throwable thrown) {
      if (mesh != null) {
        mesh.end(thrown != null);
      }
    }
  }
}
