package dev.jmesh.instrumentation.grpc.v1_68;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import dev.jmesh.instrumentation.grpc.v1_68.helpers.MeshChannels;
import java.util.List;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code io.grpc.internal.ManagedChannelImplBuilder.build()}: every transport's builder (Netty,
 * shaded Netty, OkHttp) ends here, so every channel gets the mesh's interceptor and policy.
 */
final class ChannelBuilderInstrumentation implements TypeInstrumentation {

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(GrpcNames.grpc("internal.ManagedChannelImplBuilder"));
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("build").and(takesArguments(0)),
        ChannelBuilderInstrumentation.class.getName() + "$BuildAdvice");
  }

  @SuppressWarnings("unused")
  public static final class BuildAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void enter(
        @Advice.FieldValue("interceptors") List<?> interceptors,
        @Advice.FieldValue(value = "defaultLbPolicy", readOnly = false) String defaultLbPolicy) {
      defaultLbPolicy = MeshChannels.building(interceptors, defaultLbPolicy);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void exit() {
      MeshChannels.built();
    }
  }
}
