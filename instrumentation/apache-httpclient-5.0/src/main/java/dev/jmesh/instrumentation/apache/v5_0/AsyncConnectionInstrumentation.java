package dev.jmesh.instrumentation.apache.v5_0;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.named;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.io.IOException;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * A new asynchronous HTTP/1.1 client connection, made right after its connect completes and before
 * Apache's own {@code https} upgrade: the mesh's mTLS starts here for direct attempts.
 */
final class AsyncConnectionInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.apache.hc.client5.http.impl.nio.DefaultManagedAsyncClientConnection");
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        isConstructor(), AsyncConnectionInstrumentation.class.getName() + "$ConstructorAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ConstructorAdvice {

    @Advice.OnMethodExit
    public static void exit(@Advice.This Object connection) throws IOException {
      AsyncConnectionTls.secure(connection);
    }
  }
}
