package dev.jmesh.instrumentation.apache.v4_3;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.io.IOException;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequest;
import org.apache.http.client.methods.CloseableHttpResponse;
import org.apache.http.impl.client.CloseableHttpClient;
import org.apache.http.protocol.HttpContext;

/**
 * {@code doExecute}, the funnel of every {@code execute} overload, of the two concrete clients the
 * builders make. Not {@code CloseableHttpClient} itself: applications subclass it as a delegating
 * wrapper, which would decide the same call twice.
 */
final class ClassicClientInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return namedOneOf(
        "org.apache.http.impl.client.InternalHttpClient",
        "org.apache.http.impl.client.MinimalHttpClient");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("doExecute").and(takesArguments(3)),
        ClassicClientInstrumentation.class.getName() + "$DoExecuteAdvice");
  }

  @SuppressWarnings("unused")
  public static final class DoExecuteAdvice {

    /** A non-null response answers the call: the original body is skipped. */
    @Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
    public static CloseableHttpResponse enter(
        @Advice.This CloseableHttpClient client,
        @Advice.Argument(0) HttpHost target,
        @Advice.Argument(1) HttpRequest request,
        @Advice.Argument(2) HttpContext context)
        throws IOException {
      return ClassicDirectCall.execute(client, target, request, context);
    }

    @Advice.OnMethodExit
    public static void exit(
        @Advice.Enter CloseableHttpResponse direct,
        @Advice.Return(readOnly = false) CloseableHttpResponse response) {
      if (direct != null) {
        response = direct;
      }
    }
  }
}
