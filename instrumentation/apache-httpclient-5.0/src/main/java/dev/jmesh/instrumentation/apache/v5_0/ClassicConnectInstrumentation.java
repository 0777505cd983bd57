package dev.jmesh.instrumentation.apache.v5_0;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.io.IOException;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.hc.client5.http.io.ManagedHttpClientConnection;
import org.apache.hc.core5.http.HttpHost;

/**
 * The classic connection operator's {@code connect}: a direct attempt's connect is marked for the
 * socket hooks, and the mesh's mTLS goes on the new connection before the first request is written.
 * Every overload (5.3 added one that the old one delegates to); the second exit finds the socket
 * already secured and leaves it.
 */
final class ClassicConnectInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("connect")
            .and(
                takesArgument(
                    0, named("org.apache.hc.client5.http.io.ManagedHttpClientConnection")))
            .and(takesArgument(1, named("org.apache.hc.core5.http.HttpHost"))),
        ClassicConnectInstrumentation.class.getName() + "$ConnectAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConnectAdvice {

    @Advice.OnMethodEnter
    public static boolean enter(@Advice.Argument(1) HttpHost host) {
      return DirectEndpoints.enterConnect(host);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class)
    public static void exit(
        @Advice.Enter boolean direct,
        @Advice.Argument(0) ManagedHttpClientConnection connection,
        @Advice.Argument(1) HttpHost host,
        @Advice.Thrown Throwable thrown)
        throws IOException {
      DirectEndpoints.exitConnect(direct);
      if (thrown == null) {
        ClassicConnectionTls.secure(connection, host);
      }
    }
  }
}
