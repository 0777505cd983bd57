package dev.jmesh.instrumentation.apache.v4_3;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.io.IOException;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.apache.http.HttpHost;
import org.apache.http.conn.ManagedHttpClientConnection;

/**
 * The connection operator's {@code connect}: a direct attempt's connect is marked for the socket
 * hooks, and the mesh's mTLS goes on the new connection before the first request is written.
 */
final class ClassicConnectInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.apache.http.impl.conn.DefaultHttpClientConnectionOperator");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("connect")
            .and(takesArgument(0, named("org.apache.http.conn.ManagedHttpClientConnection")))
            .and(takesArgument(1, named("org.apache.http.HttpHost"))),
        ClassicConnectInstrumentation.class.getName() + "$ConnectAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConnectAdvice {

    @Advice.OnMethodEnter
    public static boolean enter(@Advice.Argument(1) HttpHost host) {
      return DirectHosts.enterConnect(host);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class)
    public static void exit(
        @Advice.Enter boolean direct,
        @Advice.Argument(0) ManagedHttpClientConnection connection,
        @Advice.Argument(1) HttpHost host,
        @Advice.Thrown Throwable thrown)
        throws IOException {
      DirectHosts.exitConnect(direct);
      if (thrown == null) {
        ConnectionTls.secure(connection, host);
      }
    }
  }
}
