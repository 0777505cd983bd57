package dev.jmesh.instrumentation.jdkhttpserver;

import dev.jmesh.instrumentation.api.BridgeHook;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import net.bytebuddy.agent.ByteBuddyAgent;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Weaves the module's own {@link BridgeHook}s into this JVM's {@code jdk.httpserver} classes the
 * way the agent's {@code BridgeHookWeaver} does (a static call to {@code MeshHooks} at a method's
 * entry or before its normal returns), so the tests run the real hook declarations against the real
 * JDK classes. The bridge is on the boot class path (see the pom's argLine). Once per JVM.
 */
final class InProcessBridgeHooks {

  private static final String BRIDGE = "dev/jmesh/bootstrap/MeshHooks";
  private static boolean installed;

  private InProcessBridgeHooks() {}

  static synchronized void install() throws Exception {
    if (installed) {
      return;
    }
    List<BridgeHook> hooks = new java.util.ArrayList<>(new JdkHttpServerModule().bridgeHooks());
    // jdk-net's bind entry, through which the data path learns a bind is a direct-inbound one.
    hooks.add(
        BridgeHook.replaceArgumentWithThisOnEnter(
            "sun.nio.ch.ServerSocketChannelImpl",
            "bind",
            "(Ljava/net/SocketAddress;I)Ljava/nio/channels/ServerSocketChannel;",
            0,
            "beforeBind",
            "(Ljava/nio/channels/ServerSocketChannel;Ljava/net/SocketAddress;)"
                + "Ljava/net/SocketAddress;"));
    Set<String> classes =
        hooks.stream().map(h -> h.className().replace('.', '/')).collect(Collectors.toSet());
    Instrumentation inst = ByteBuddyAgent.install();
    inst.addTransformer(
        new ClassFileTransformer() {
          @Override
          public byte[] transform(
              ClassLoader loader,
              String name,
              Class<?> redefined,
              ProtectionDomain domain,
              byte[] classfile) {
            if (!classes.contains(name)) {
              return null;
            }
            return weave(
                classfile,
                hooks.stream().filter(h -> h.className().replace('.', '/').equals(name)).toList());
          }
        },
        true);
    for (String name : classes) {
      inst.retransformClasses(
          Class.forName(name.replace('/', '.'), false, ClassLoader.getPlatformClassLoader()));
    }
    installed = true;
  }

  private static byte[] weave(byte[] classfile, List<BridgeHook> hooks) {
    ClassReader reader = new ClassReader(classfile);
    ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
    reader.accept(
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public MethodVisitor visitMethod(
              int access, String name, String descriptor, String signature, String[] exceptions) {
            MethodVisitor v = super.visitMethod(access, name, descriptor, signature, exceptions);
            for (BridgeHook hook : hooks) {
              if (hook.methodName().equals(name) && hook.methodDescriptor().equals(descriptor)) {
                v = new Hooked(v, access, descriptor, hook);
              }
            }
            return v;
          }
        },
        0);
    return writer.toByteArray();
  }

  private static final class Hooked extends MethodVisitor {
    private final BridgeHook hook;
    private final int slot;
    private final Type type;

    Hooked(MethodVisitor v, int access, String descriptor, BridgeHook hook) {
      super(Opcodes.ASM9, v);
      this.hook = hook;
      Type[] args = Type.getArgumentTypes(descriptor);
      int s = (access & Opcodes.ACC_STATIC) == 0 ? 1 : 0;
      Type t = null;
      for (int i = 0; i < args.length; i++) {
        if (i == hook.argument()) {
          t = args[i];
          break;
        }
        s += args[i].getSize();
      }
      this.slot = s;
      this.type = t;
    }

    @Override
    public void visitCode() {
      super.visitCode();
      switch (hook.kind()) {
        case REPLACE_ARGUMENT_ON_ENTER -> {
          super.visitVarInsn(type.getOpcode(Opcodes.ILOAD), slot);
          call();
          super.visitVarInsn(type.getOpcode(Opcodes.ISTORE), slot);
        }
        case PASS_ARGUMENT_ON_ENTER -> {
          super.visitVarInsn(type.getOpcode(Opcodes.ILOAD), slot);
          call();
        }
        case REPLACE_ARGUMENT_WITH_THIS_ON_ENTER -> {
          super.visitVarInsn(Opcodes.ALOAD, 0);
          super.visitVarInsn(type.getOpcode(Opcodes.ILOAD), slot);
          call();
          super.visitVarInsn(type.getOpcode(Opcodes.ISTORE), slot);
        }
        default -> {}
      }
    }

    @Override
    public void visitInsn(int opcode) {
      if (opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) {
        switch (hook.kind()) {
          case PASS_THIS_ON_EXIT -> {
            super.visitVarInsn(Opcodes.ALOAD, 0);
            call();
          }
          case PASS_ARGUMENT_ON_EXIT -> {
            super.visitVarInsn(type.getOpcode(Opcodes.ILOAD), slot);
            call();
          }
          default -> {}
        }
      }
      super.visitInsn(opcode);
    }

    private void call() {
      super.visitMethodInsn(
          Opcodes.INVOKESTATIC, BRIDGE, hook.hookName(), hook.hookDescriptor(), false);
    }
  }
}
