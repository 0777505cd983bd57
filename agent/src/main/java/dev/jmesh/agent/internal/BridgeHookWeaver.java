package dev.jmesh.agent.internal;

import dev.jmesh.instrumentation.api.BridgeHook;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.ClassWriter;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;

/**
 * Weaves {@link BridgeHook}s into one class file with plain ASM: a static call to the bridge at a
 * method's entry, or before each of its normal returns. The inserted code is straight-line and
 * leaves the operand stack as it found it, so existing stack map frames stay valid and only the
 * maximum stack size is recomputed; no exception handler is needed because the bridge never
 * throws. This costs a few dozen classes where ByteBuddy's advice costs hundreds, which is what
 * lets the JDK's sockets be rewritten before the application's first bind.
 */
final class BridgeHookWeaver {

  static final String BRIDGE = "dev/jmesh/bootstrap/MeshHooks";

  private BridgeHookWeaver() {}

  /** The woven class, and which of {@code hooks} found their method. */
  record Result(byte[] classfile, Set<BridgeHook> applied) {}

  static Result weave(byte[] classfile, List<BridgeHook> hooks) {
    ClassReader reader = new ClassReader(classfile);
    ClassWriter writer = new ClassWriter(reader, ClassWriter.COMPUTE_MAXS);
    Set<BridgeHook> applied = new HashSet<>();
    reader.accept(
        new ClassVisitor(Opcodes.ASM9, writer) {
          @Override
          public MethodVisitor visitMethod(int access, String name, String descriptor,
              String signature, String[] exceptions) {
            MethodVisitor visitor =
                super.visitMethod(access, name, descriptor, signature, exceptions);
            for (BridgeHook hook : hooks) {
              if (visitor != null && hook.methodName().equals(name)
                  && hook.methodDescriptor().equals(descriptor)
                  && (access & Opcodes.ACC_ABSTRACT) == 0) {
                visitor = new HookedMethod(visitor, access, descriptor, hook);
                applied.add(hook);
              }
            }
            return visitor;
          }
        },
        0);
    return new Result(writer.toByteArray(), applied);
  }

  /** One hook in one method. */
  private static final class HookedMethod extends MethodVisitor {
    private final BridgeHook hook;
    private final int argumentSlot;
    private final Type argumentType;
    private final Type returnType;

    HookedMethod(MethodVisitor delegate, int access, String descriptor, BridgeHook hook) {
      super(Opcodes.ASM9, delegate);
      this.hook = hook;
      this.returnType = Type.getReturnType(descriptor);
      Type[] arguments = Type.getArgumentTypes(descriptor);
      int slot = (access & Opcodes.ACC_STATIC) == 0 ? 1 : 0;
      Type type = null;
      for (int i = 0; i < arguments.length; i++) {
        if (i == hook.argument()) {
          type = arguments[i];
          break;
        }
        slot += arguments[i].getSize();
      }
      this.argumentSlot = slot;
      this.argumentType = type;
    }

    @Override
    public void visitCode() {
      super.visitCode();
      switch (hook.kind()) {
        case REPLACE_ARGUMENT_ON_ENTER -> {
          // arg = MeshHooks.hook(arg)
          super.visitVarInsn(argumentType.getOpcode(Opcodes.ILOAD), argumentSlot);
          callBridge();
          super.visitVarInsn(argumentType.getOpcode(Opcodes.ISTORE), argumentSlot);
        }
        case PASS_ARGUMENT_ON_ENTER -> {
          // MeshHooks.hook(arg)
          super.visitVarInsn(argumentType.getOpcode(Opcodes.ILOAD), argumentSlot);
          callBridge();
        }
        case REPLACE_ARGUMENT_WITH_THIS_ON_ENTER -> {
          // arg = MeshHooks.hook(this, arg)
          super.visitVarInsn(Opcodes.ALOAD, 0);
          super.visitVarInsn(argumentType.getOpcode(Opcodes.ILOAD), argumentSlot);
          callBridge();
          super.visitVarInsn(argumentType.getOpcode(Opcodes.ISTORE), argumentSlot);
        }
        case ANSWER_ON_ENTER -> {
          // r = MeshHooks.hook(arg); if (r != null) return r;
          // The branch needs one stack map frame: the method's entry frame plus r on the stack,
          // which is what SAME1 says, so the method's own frames stay valid.
          Label carryOn = new Label();
          super.visitVarInsn(argumentType.getOpcode(Opcodes.ILOAD), argumentSlot);
          callBridge();
          super.visitInsn(Opcodes.DUP);
          super.visitJumpInsn(Opcodes.IFNULL, carryOn);
          super.visitInsn(Opcodes.ARETURN);
          super.visitLabel(carryOn);
          super.visitFrame(Opcodes.F_SAME1, 0, null, 1, new Object[] {returnType.getInternalName()});
          super.visitInsn(Opcodes.POP);
        }
        default -> {
          // exit hooks add nothing at the entry
        }
      }
    }

    @Override
    public void visitInsn(int opcode) {
      if (opcode >= Opcodes.IRETURN && opcode <= Opcodes.RETURN) {
        switch (hook.kind()) {
          case PASS_THIS_ON_EXIT -> {
            super.visitVarInsn(Opcodes.ALOAD, 0);
            callBridge();
          }
          case PASS_ARGUMENT_ON_EXIT -> {
            super.visitVarInsn(argumentType.getOpcode(Opcodes.ILOAD), argumentSlot);
            callBridge();
          }
          case PASS_RETURN_VALUE_ON_EXIT -> {
            super.visitInsn(Opcodes.DUP);
            callBridge();
          }
          case REPLACE_RETURN_VALUE_WITH_THIS_ON_EXIT -> {
            // value = MeshHooks.hook(this, value)
            super.visitVarInsn(Opcodes.ALOAD, 0);
            super.visitInsn(Opcodes.SWAP);
            callBridge();
          }
          default -> {
            // entry hooks add nothing at the exits
          }
        }
      }
      super.visitInsn(opcode);
    }

    private void callBridge() {
      super.visitMethodInsn(Opcodes.INVOKESTATIC, BRIDGE, hook.hookName(), hook.hookDescriptor(),
          false);
    }
  }
}
