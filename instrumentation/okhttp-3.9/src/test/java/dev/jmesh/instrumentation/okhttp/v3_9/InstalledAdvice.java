package dev.jmesh.instrumentation.okhttp.v3_9;

import dev.jmesh.instrumentation.api.AdviceTarget;
import dev.jmesh.instrumentation.api.TypeInstrumentation;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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
import net.bytebuddy.pool.TypePool;

/**
 * The module's advice woven into the OkHttp under test, in this JVM, the way the agent's {@code
 * AdviceWeaver} does it (ByteBuddy advice straight through ASM, no frames recomputed), so the
 * advice is tested against each OkHttp version's real bytecode: Java fields in 3.x, Kotlin's in 4.x
 * and 5.x.
 */
final class InstalledAdvice {

  private static final List<Throwable> FAILURES = new CopyOnWriteArrayList<>();
  private static final List<String> WOVEN = new CopyOnWriteArrayList<>();
  private static boolean installed;

  private InstalledAdvice() {}

  /** Weaves every instrumentation of {@link OkHttpModule}; the classes woven so far. */
  static synchronized List<String> install() throws Exception {
    if (!installed) {
      installed = true;
      Instrumentation instrumentation = ByteBuddyAgent.install();
      ClassFileTransformer transformer = new Weaver(new OkHttpModule().typeInstrumentations());
      instrumentation.addTransformer(transformer, true);
      List<Class<?>> loaded = new ArrayList<>();
      for (String name : new OkHttpModule().knownTargetNames()) {
        try {
          loaded.add(Class.forName(name, false, InstalledAdvice.class.getClassLoader()));
        } catch (ClassNotFoundException notInThisVersion) {
          // RealCall moved between 3.x and 4.x.
        }
      }
      instrumentation.retransformClasses(loaded.toArray(new Class<?>[0]));
    }
    if (!FAILURES.isEmpty()) {
      throw new AssertionError("weaving failed", FAILURES.get(0));
    }
    return WOVEN;
  }

  private record MethodAdvice(ElementMatcher<? super MethodDescription> methods, Advice advice) {}

  private static final class Weaver implements ClassFileTransformer {

    private final List<TypeInstrumentation> instrumentations;

    Weaver(List<TypeInstrumentation> instrumentations) {
      this.instrumentations = instrumentations;
    }

    @Override
    public byte[] transform(
        ClassLoader loader,
        String name,
        Class<?> redefined,
        ProtectionDomain domain,
        byte[] classfile) {
      if (name == null || !name.startsWith("okhttp3/")) {
        return null;
      }
      try {
        String typeName = name.replace('/', '.');
        ClassFileLocator locator =
            new ClassFileLocator.Compound(
                ClassFileLocator.Simple.of(typeName, classfile),
                ClassFileLocator.ForClassLoader.of(loader));
        TypePool pool = TypePool.Default.of(locator);
        TypeDescription type = pool.describe(typeName).resolve();
        List<MethodAdvice> advices = new ArrayList<>();
        for (TypeInstrumentation instrumentation : instrumentations) {
          if (instrumentation.typeMatcher().matches(type)) {
            AdviceTarget target =
                (methods, adviceClassName) ->
                    advices.add(
                        new MethodAdvice(
                            methods,
                            Advice.to(
                                pool.describe(adviceClassName).resolve(),
                                ClassFileLocator.ForClassLoader.of(
                                    InstalledAdvice.class.getClassLoader()))));
            instrumentation.transform(target);
          }
        }
        if (advices.isEmpty()) {
          return null;
        }
        byte[] woven = weave(type, classfile, pool, advices);
        WOVEN.add(typeName);
        return woven;
      } catch (Throwable t) {
        FAILURES.add(t);
        return null;
      }
    }
  }

  /** The agent's {@code AdviceWeaver.weave}, line for line. */
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
    List<MethodDescription.InDefinedShape> methods = type.getDeclaredMethods();
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
            for (MethodDescription method : methods) {
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
}
