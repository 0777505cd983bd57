package dev.jmesh.agent.internal;

/** What {@link MeshTransformer#warmUp()} weaves: a method, and advice for it. Never loaded. */
final class WarmUp {

  private WarmUp() {}

  static final class Target {
    void run() {}
  }

  static final class Advice {
    @net.bytebuddy.asm.Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@net.bytebuddy.asm.Advice.This Object self) {}

    @net.bytebuddy.asm.Advice.OnMethodExit(suppress = Throwable.class)
    static void exit() {}
  }
}
