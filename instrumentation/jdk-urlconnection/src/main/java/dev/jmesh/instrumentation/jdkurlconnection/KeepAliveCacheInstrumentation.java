package dev.jmesh.instrumentation.jdkurlconnection;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.bootstrap.UrlConnectionSockets;
import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.net.URL;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code sun.net.www.http.KeepAliveCache.get(URL, Object)} (JDK 17 to 25): the cache keys a
 * kept-alive client by the endpoint's URL alone, so after the mesh switched that endpoint between
 * plaintext and mTLS it would hand over a client connected the other way. Such a client is closed
 * and the cache answers none: the call connects a new one with the TLS it needs.
 */
final class KeepAliveCacheInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(JdkUrlConnectionModule.KEEP_ALIVE_CACHE);
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("get")
            .and(takesArguments(2))
            .and(takesArgument(0, named("java.net.URL"))),
        KeepAliveCacheInstrumentation.class.getName() + "$GetAdvice");
  }

  @SuppressWarnings("unused")
  public static final class GetAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(
        @Advice.Argument(0) URL url,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object client) {
      if (client != null && !UrlConnectionSockets.reusable(url, client)) {
        client = null;
      }
    }
  }
}
