package dev.jmesh.instrumentation.jdkurlconnection;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.agent.ByteBuddyAgent;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.TypeInitializer;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.pool.TypePool;

/**
 * Weaves the module's advice into this JVM's own JDK classes the way the agent does (advice read
 * from class files, woven straight through ASM, no class-format change, retransformation of the
 * loaded classes), plus a stand-in for the {@code jdk-net} socket hook so tests see which connects
 * the direct path marks. The bridge is on the boot class path (see the pom's argLine).
 */
final class InProcessAgent {

  private static boolean installed;

  private InProcessAgent() {}

  static synchronized void install() throws Exception {
    if (installed) {
      return;
    }
    Instrumentation inst = ByteBuddyAgent.install();
    ClassFileLocator locator =
        new ClassFileLocator.Compound(
            ClassFileLocator.ForClassLoader.of(InProcessAgent.class.getClassLoader()),
            ClassFileLocator.ForClassLoader.ofBootLoader());
    TypePool advicePool =
        new TypePool.Default(
            new TypePool.CacheProvider.Simple(), locator, TypePool.Default.ReaderMode.FAST);
    List<Plan> plans = new ArrayList<>();
    List<TypeInstrumentation> types =
        new ArrayList<>(new JdkUrlConnectionModule().typeInstrumentations());
    types.add(new SocketConnectInstrumentation());
    for (TypeInstrumentation type : types) {
      Plan plan = new Plan(type.typeMatcher());
      type.transform(
          (methods, adviceClassName) ->
              plan.advices.add(
                  new MethodAdvice(
                      methods,
                      Advice.to(advicePool.describe(adviceClassName).resolve(), locator))));
      plans.add(plan);
    }
    inst.addTransformer(new Transformer(plans), true);
    for (String name :
        List.of(
            JdkUrlConnectionModule.CONNECTION,
            JdkUrlConnectionModule.CLIENT,
            JdkUrlConnectionModule.NETWORK_CLIENT,
            JdkUrlConnectionModule.KEEP_ALIVE_CACHE,
            "java.net.Socket")) {
      inst.retransformClasses(Class.forName(name, false, null));
    }
    installed = true;
  }

  private record MethodAdvice(ElementMatcher<? super MethodDescription> methods, Advice advice) {}

  private static final class Plan {
    final ElementMatcher<TypeDescription> types;
    final List<MethodAdvice> advices = new ArrayList<>();

    Plan(ElementMatcher<TypeDescription> types) {
      this.types = types;
    }
  }

  private static final class Transformer implements ClassFileTransformer {
    private final List<Plan> plans;

    Transformer(List<Plan> plans) {
      this.plans = plans;
    }

    @Override
    public byte[] transform(
        ClassLoader loader,
        String className,
        Class<?> redefined,
        ProtectionDomain domain,
        byte[] classfile) {
      if (loader != null || className == null) {
        return null;
      }
      String typeName = className.replace('/', '.');
      try {
        TypePool pool =
            new TypePool.Default(
                new TypePool.CacheProvider.Simple(),
                new ClassFileLocator.Compound(
                    ClassFileLocator.Simple.of(typeName, classfile),
                    ClassFileLocator.ForClassLoader.ofBootLoader()),
                TypePool.Default.ReaderMode.FAST);
        TypeDescription type = pool.describe(typeName).resolve();
        List<MethodAdvice> advices = new ArrayList<>();
        for (Plan plan : plans) {
          if (plan.types.matches(type)) {
            advices.addAll(plan.advices);
          }
        }
        return advices.isEmpty() ? null : weave(type, classfile, pool, advices);
      } catch (Throwable t) {
        t.printStackTrace();
        return null;
      }
    }
  }

  /** The agent's AdviceWeaver, line for line. */
  private static byte[] weave(
      TypeDescription type, byte[] classfile, TypePool pool, List<MethodAdvice> advices) {
    ClassReader reader = new ClassReader(classfile);
    ClassWriter writer = new ClassWriter(reader, 0);
    ClassFileVersion version = ClassFileVersion.ofClassFile(classfile);
    Implementation.Context context =
        Implementation.Context.Disabled.Factory.INSTANCE.make(
            type,
            (instrumented, auxiliary) -> {
              throw new IllegalStateException("advice must not add auxiliary types");
            },
            TypeInitializer.None.INSTANCE,
            version,
            version);
    reader.accept(
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public MethodVisitor visitMethod(
              int access, String name, String descriptor, String signature, String[] exceptions) {
            MethodVisitor visitor =
                super.visitMethod(access, name, descriptor, signature, exceptions);
            if (visitor == null) {
              return null;
            }
            for (MethodDescription method : type.getDeclaredMethods()) {
              if (method.getInternalName().equals(name)
                  && method.getDescriptor().equals(descriptor)) {
                for (MethodAdvice advice : advices) {
                  if (advice.methods().matches(method)) {
                    visitor = advice.advice().wrap(type, method, visitor, context, pool, 0, 0);
                  }
                }
                break;
              }
            }
            return visitor;
          }
        },
        0);
    return writer.toByteArray();
  }

  /** What the jdk-net module's bridge hook does on {@code Socket.connect(SocketAddress, int)}. */
  static final class SocketConnectInstrumentation implements TypeInstrumentation {
    @Override
    public ElementMatcher<TypeDescription> typeMatcher() {
      return ElementMatchers.named("java.net.Socket");
    }

    @Override
    public void transform(AdviceTarget target) {
      target.applyAdvice(
          ElementMatchers.named("connect").and(ElementMatchers.takesArguments(2)),
          SocketConnectInstrumentation.class.getName() + "$ConnectAdvice");
    }

    @SuppressWarnings("unused")
    public static final class ConnectAdvice {
      @Advice.OnMethodEnter
      public static void enter(
          @Advice.Argument(value = 0, readOnly = false) java.net.SocketAddress address) {
        address = dev.jmesh.bootstrap.MeshHooks.beforeConnect(address);
      }
    }
  }
}
