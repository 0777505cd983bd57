package dev.jmesh.agent.internal;

import java.util.List;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.MethodList;
import net.bytebuddy.description.type.TypeDescription;
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
 * Weaves ByteBuddy {@link Advice} into the matching methods of one class file, straight through
 * ASM: read, wrap each matched method's visitor, write. Methods without advice are copied as
 * they are. This is all the agent needs of ByteBuddy's rewriting — no new members, no class-format
 * change, so loaded JDK classes can be retransformed — and going around its {@code AgentBuilder}
 * and {@code DynamicType} pipeline halves the classes the agent loads at start-up.
 */
final class AdviceWeaver {

  /** Advice for the methods a matcher selects. */
  record MethodAdvice(ElementMatcher<? super MethodDescription> methods, Advice advice) {}

  private AdviceWeaver() {}

  static byte[] weave(TypeDescription type, byte[] classfile, TypePool pool,
      List<MethodAdvice> advices) {
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
    MethodList<MethodDescription.InDefinedShape> methods = type.getDeclaredMethods();
    reader.accept(
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public MethodVisitor visitMethod(int access, String name, String descriptor,
              String signature, String[] exceptions) {
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
