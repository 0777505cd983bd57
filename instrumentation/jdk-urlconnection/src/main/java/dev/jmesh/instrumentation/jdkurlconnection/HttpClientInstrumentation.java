package dev.jmesh.instrumentation.jdkurlconnection;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.UrlConnectionHooks;
import dev.jmesh.bootstrap.UrlConnectionSockets;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URL;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code sun.net.www.http.HttpClient.New(URL, Proxy, int, boolean, HttpURLConnection)}, where every
 * other {@code New} overload ends: it takes a client from the keep-alive cache, keyed by the URL's
 * host and port, or connects a new one to them. Handing it the endpoint's URL keys the cache per
 * endpoint and sends the socket there; the request's {@code Host} header is written from the
 * connection's own URL, so the application's authority is kept.
 */
final class HttpClientInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(JdkUrlConnectionModule.CLIENT);
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        isStatic()
            .and(named("New"))
            .and(takesArguments(5))
            .and(takesArgument(0, named("java.net.URL")))
            .and(takesArgument(1, named("java.net.Proxy")))
            .and(takesArgument(4, named(JdkUrlConnectionModule.CONNECTION))),
        HttpClientInstrumentation.class.getName() + "$NewAdvice");
    target.applyAdvice(
        named("openServer").and(takesArguments(0)),
        HttpClientInstrumentation.class.getName() + "$OpenServerAdvice");
  }

  /**
   * {@code openServer()}, where a client connects its socket: when it is first made, and again when
   * a kept-alive connection turned out stale. A client of the direct path marks its connect direct
   * (else the socket hook would send it to the engine) and gets its mTLS.
   */
  @SuppressWarnings("unused")
  public static final class OpenServerAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(@Advice.FieldValue("url") URL url) {
      UrlConnectionSockets.openingServer(url);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit() {
      UrlConnectionSockets.serverOpened();
    }
  }

  /**
   * Re-targets on entry; on exit, a failed connect the call retries runs {@code New} again with the
   * next endpoint's URL (ByteBuddy's {@code repeatOn}), before any byte of the request left.
   */
  @SuppressWarnings("unused")
  public static final class NewAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(
        @Advice.Argument(value = 0, readOnly = false) URL url,
        @Advice.Argument(1) Proxy proxy,
        @Advice.Argument(4) HttpURLConnection connection) {
      url = UrlConnectionHooks.endpointUrl(url, proxy, connection);
    }

    @Advice.OnMethodExit(
        onThrowable = Throwable.class,
        repeatOn = Advice.OnNonDefaultValue.class,
        suppress = Throwable.class)
    public static boolean exit(
        @Advice.Argument(value = 0, readOnly = false) URL url,
        @Advice.Argument(4) HttpURLConnection connection,
        @Advice.Thrown(readOnly = false) Throwable thrown) {
      URL next = UrlConnectionHooks.opened(url, connection, thrown);
      if (next == null) {
        return false;
      }
      url = next;
      thrown = null;
      return true;
    }
  }
}
