package dev.jmesh.instrumentation.jdkhttpclient;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.JdkHttpClientHooks;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code AbstractAsyncSSLConnection}, the TLS connection of both HTTP versions: its constructor
 * (JDK 17: five arguments, 21+: six, the address first in both) creates its {@code SSLEngine} with
 * the static {@code createEngine(SSLContext, String, int, SSLParameters)}. For a connection to a
 * mesh endpoint the engine gets the mesh's context, without host name verification.
 */
final class SslConnectionInstrumentation implements TypeInstrumentation {

  static final String TARGET = "jdk.internal.net.http.AbstractAsyncSSLConnection";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(TARGET);
  }

  @Override
  public void transform(AdviceTarget target) {
    String advice = SslConnectionInstrumentation.class.getName();
    target.applyAdvice(
        isConstructor().and(takesArgument(0, named("java.net.InetSocketAddress"))),
        advice + "$ConstructorAdvice");
    target.applyAdvice(
        named("createEngine")
            .and(takesArguments(4))
            .and(takesArgument(0, named("javax.net.ssl.SSLContext"))),
        advice + "$CreateEngineAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConstructorAdvice {
    // No suppress: a handler cannot cover code before the super constructor call. The hook never
    // throws.
    @Advice.OnMethodEnter
    public static void enter(@Advice.Argument(0) InetSocketAddress address) {
      JdkHttpClientHooks.sslConnection(address);
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit() {
      JdkHttpClientHooks.sslConnectionDone();
    }
  }

  @SuppressWarnings("unused")
  public static final class CreateEngineAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(
        @Advice.Argument(value = 0, readOnly = false) SSLContext context,
        @Advice.Argument(value = 3, readOnly = false) SSLParameters parameters) {
      context = JdkHttpClientHooks.engineContext(context);
      parameters = JdkHttpClientHooks.engineParameters(parameters);
    }
  }
}
