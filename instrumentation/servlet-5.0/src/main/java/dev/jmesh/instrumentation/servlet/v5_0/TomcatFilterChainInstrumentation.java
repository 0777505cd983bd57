package dev.jmesh.instrumentation.servlet.v5_0;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Tomcat's {@code ApplicationFilterChain.doFilter}: the container's entry into every request's
 * filters and servlet (its wrapper valve calls it even when no filter is mapped), so the mesh runs
 * there before any application code. Filters re-enter it; {@link ServletInbound} acts on the
 * outermost entry only. A refused request skips the chain: the mesh's reply is the response.
 */
final class TomcatFilterChainInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.apache.catalina.core.ApplicationFilterChain");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("doFilter")
            .and(isPublic())
            .and(takesArguments(2))
            .and(takesArgument(0, named("jakarta.servlet.ServletRequest")))
            .and(takesArgument(1, named("jakarta.servlet.ServletResponse"))),
        TomcatFilterChainInstrumentation.class.getName() + "$DoFilterAdvice");
  }

  @SuppressWarnings("unused")
  public static final class DoFilterAdvice {
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class, suppress = Throwable.class)
    public static boolean enter(
        @Advice.Argument(value = 0, readOnly = false) ServletRequest request,
        @Advice.Argument(1) ServletResponse response,
        @Advice.Local("mesh") ServletInbound mesh) {
      mesh = ServletInbound.begin(request, response);
      if (mesh == null) {
        return false;
      }
      if (mesh.refused()) {
        return true;
      }
      request = mesh.request(request);
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
