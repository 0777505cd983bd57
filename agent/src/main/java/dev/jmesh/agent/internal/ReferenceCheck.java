package dev.jmesh.agent.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import net.bytebuddy.description.field.FieldDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDefinition;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.jar.asm.ClassReader;
import net.bytebuddy.jar.asm.ClassVisitor;
import net.bytebuddy.jar.asm.FieldVisitor;
import net.bytebuddy.jar.asm.Handle;
import net.bytebuddy.jar.asm.Label;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;
import net.bytebuddy.pool.TypePool;

/**
 * A muzzle-like check: before helpers are injected beside a library, every class, method and
 * field they reference outside the JDK and the bridge must exist in that class loader, with the
 * same descriptor. A mismatch is reported as the first missing reference instead of surfacing
 * later as a {@code NoSuchMethodError} in the middle of a request.
 */
final class ReferenceCheck {

  /** A reference from helper bytecode: a class, or a member of one. */
  record Reference(String owner, String name, String descriptor, boolean field) {
    @Override
    public String toString() {
      String type = owner.replace('/', '.');
      return name == null ? type : type + (field ? "." : "#") + name + descriptor;
    }
  }

  private ReferenceCheck() {}

  /** Returns the references of {@code helpers} that {@code target} cannot satisfy. */
  static List<Reference> missing(List<byte[]> helpers, Set<String> helperNames,
      ClassLoader target) {
    Set<Reference> references = new LinkedHashSet<>();
    for (byte[] bytes : helpers) {
      new ClassReader(bytes).accept(new Collector(references), ClassReader.SKIP_FRAMES);
    }
    TypePool pool =
        TypePool.Default.of(
            target == null ? ClassFileLocator.ForClassLoader.ofBootLoader()
                : ClassFileLocator.ForClassLoader.of(target));
    Set<Reference> missing = new LinkedHashSet<>();
    for (Reference ref : references) {
      String owner = ref.owner();
      if (isProvided(owner) || helperNames.contains(owner.replace('/', '.'))) {
        continue;
      }
      TypePool.Resolution resolution = pool.describe(owner.replace('/', '.'));
      if (!resolution.isResolved()) {
        // A missing class is one gap, however many of its members are used.
        missing.add(new Reference(owner, null, null, false));
      } else if (ref.name() != null && !hasMember(resolution.resolve(), ref)) {
        missing.add(ref);
      }
    }
    return new ArrayList<>(missing);
  }

  /** The JDK and the bridge are always there; only library references are checked. */
  private static boolean isProvided(String internalName) {
    return internalName.startsWith("java/")
        || internalName.startsWith("jdk/")
        || internalName.startsWith("dev/jmesh/bootstrap/");
  }

  private static boolean hasMember(TypeDescription type, Reference ref) {
    for (TypeDefinition t = type; t != null; t = t.getSuperClass()) {
      if (declares(t.asErasure(), ref)) {
        return true;
      }
      for (TypeDescription.Generic iface : t.getInterfaces()) {
        if (declaresInHierarchy(iface.asErasure(), ref)) {
          return true;
        }
      }
    }
    // Interfaces have no superclass, yet every interface type answers Object's methods.
    return declares(TypeDescription.ForLoadedType.of(Object.class), ref);
  }

  private static boolean declaresInHierarchy(TypeDescription type, Reference ref) {
    if (declares(type, ref)) {
      return true;
    }
    for (TypeDescription.Generic iface : type.getInterfaces()) {
      if (declaresInHierarchy(iface.asErasure(), ref)) {
        return true;
      }
    }
    return false;
  }

  private static boolean declares(TypeDescription type, Reference ref) {
    if (ref.field()) {
      for (FieldDescription.InDefinedShape f : type.getDeclaredFields()) {
        if (f.getName().equals(ref.name()) && f.getDescriptor().equals(ref.descriptor())) {
          return true;
        }
      }
      return false;
    }
    for (MethodDescription.InDefinedShape m : type.getDeclaredMethods()) {
      if (m.getInternalName().equals(ref.name()) && m.getDescriptor().equals(ref.descriptor())) {
        return true;
      }
    }
    return false;
  }

  /** Collects the types, methods and fields a class file refers to. */
  private static final class Collector extends ClassVisitor {
    private final Set<Reference> refs;

    Collector(Set<Reference> refs) {
      super(Opcodes.ASM9);
      this.refs = refs;
    }

    private void type(String internalName) {
      if (internalName == null) {
        return;
      }
      Type t = Type.getObjectType(internalName);
      while (t.getSort() == Type.ARRAY) {
        t = t.getElementType();
      }
      if (t.getSort() == Type.OBJECT) {
        refs.add(new Reference(t.getInternalName(), null, null, false));
      }
    }

    private void descriptor(String descriptor) {
      Type t = Type.getType(descriptor);
      if (t.getSort() == Type.METHOD) {
        for (Type arg : t.getArgumentTypes()) {
          descriptor(arg.getDescriptor());
        }
        descriptor(t.getReturnType().getDescriptor());
      } else if (t.getSort() == Type.ARRAY) {
        // An array of a primitive ({@code [B}) references no class.
        Type element = t.getElementType();
        if (element.getSort() == Type.OBJECT) {
          type(element.getInternalName());
        }
      } else if (t.getSort() == Type.OBJECT) {
        type(t.getInternalName());
      }
    }

    @Override
    public void visit(int version, int access, String name, String signature, String superName,
        String[] interfaces) {
      type(superName);
      if (interfaces != null) {
        for (String i : interfaces) {
          type(i);
        }
      }
    }

    @Override
    public FieldVisitor visitField(int access, String name, String descriptor, String signature,
        Object value) {
      descriptor(descriptor);
      return null;
    }

    @Override
    public MethodVisitor visitMethod(int access, String name, String descriptor,
        String signature, String[] exceptions) {
      descriptor(descriptor);
      return new MethodVisitor(Opcodes.ASM9) {
        @Override
        public void visitMethodInsn(int opcode, String owner, String mName, String mDesc,
            boolean isInterface) {
          if (owner.startsWith("[")) {
            descriptor(owner);
            return;
          }
          type(owner);
          descriptor(mDesc);
          refs.add(new Reference(owner, mName, mDesc, false));
        }

        @Override
        public void visitFieldInsn(int opcode, String owner, String fName, String fDesc) {
          type(owner);
          descriptor(fDesc);
          refs.add(new Reference(owner, fName, fDesc, true));
        }

        @Override
        public void visitTypeInsn(int opcode, String type) {
          if (type.startsWith("[")) {
            descriptor(type);
          } else {
            type(type);
          }
        }

        @Override
        public void visitMultiANewArrayInsn(String arrayDescriptor, int dimensions) {
          descriptor(arrayDescriptor);
        }

        @Override
        public void visitTryCatchBlock(Label start, Label end, Label handler, String type) {
          type(type);
        }

        /** A class literal ({@code Foo.class}) or a method handle constant. */
        @Override
        public void visitLdcInsn(Object value) {
          constant(value);
        }

        /** Lambdas and method references: the bootstrap's arguments name the real targets. */
        @Override
        public void visitInvokeDynamicInsn(String iName, String iDesc, Handle bootstrap,
            Object... arguments) {
          descriptor(iDesc);
          constant(bootstrap);
          for (Object argument : arguments) {
            constant(argument);
          }
        }
      };
    }

    private void constant(Object value) {
      if (value instanceof Type t) {
        if (t.getSort() == Type.METHOD || t.getSort() == Type.ARRAY) {
          descriptor(t.getDescriptor());
        } else if (t.getSort() == Type.OBJECT) {
          type(t.getInternalName());
        }
      } else if (value instanceof Handle h) {
        type(h.getOwner());
        descriptor(h.getDesc());
        boolean field = h.getTag() <= Opcodes.H_PUTSTATIC;
        refs.add(new Reference(h.getOwner(), h.getName(), h.getDesc(), field));
      }
    }
  }
}
