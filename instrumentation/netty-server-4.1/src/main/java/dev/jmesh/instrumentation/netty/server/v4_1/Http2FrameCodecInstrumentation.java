package dev.jmesh.instrumentation.netty.server.v4_1;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import io.netty.channel.ChannelHandlerContext;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code Http2FrameCodec.handlerAdded(ctx)} (final; {@code Http2MultiplexCodec} inherits it):
 * wherever an application puts Netty's HTTP/2 frame codec — prior knowledge, an h2c upgrade, TLS —
 * the mesh's per-stream policy goes right behind it.
 */
final class Http2FrameCodecInstrumentation implements TypeInstrumentation {

  static final String FRAME_CODEC = "io.netty.handler.codec.http2.Http2FrameCodec";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(FRAME_CODEC);
  }

  @Override
  public void transform(AdviceTarget target) {
    target.applyAdvice(
        named("handlerAdded").and(takesArguments(1)),
        Http2FrameCodecInstrumentation.class.getName() + "$AddedAdvice");
  }

  @SuppressWarnings("unused")
  public static final class AddedAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void exit(@Advice.Argument(0) ChannelHandlerContext ctx) {
      MeshHttp2Policy.attach(ctx);
    }
  }
}
