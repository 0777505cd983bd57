package dev.jmesh.agent.internal;

import dev.jmesh.bootstrap.MeshHooks;
import dev.jmesh.dataplane.log.MeshLog;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.security.ProtectionDomain;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The agent's only registered class file transformer, added in {@code premain} before anything
 * slow happens. The rewriting is set up on the agent's own thread in two stages: first the
 * bridge hooks (the JDK's sockets, plain ASM, milliseconds), overlapping the application's
 * start-up; then, only once the application loads a class an advice module targets, ByteBuddy's
 * advice for libraries. Until a stage is ready, an application thread that loads one of its
 * known targets waits for it, bounded, so no such class is ever defined without its rewriting;
 * every other class loads at full speed, and those the rewriting cares about are retransformed
 * once it is ready.
 */
final class TransformerGate implements ClassFileTransformer {

  private final Stage hooks;
  private final Stage advice;
  private final long maxWaitMillis;

  /**
   * Known targets in internal form ({@code java/net/Socket}). {@code adviceDemand} is counted
   * down the first time a thread needs the advice stage: the agent builds it only then.
   */
  TransformerGate(Set<String> hookTargets, Set<String> adviceTargets, CountDownLatch adviceDemand,
      long maxWaitMillis) {
    this.hooks = new Stage("bridge hooks", hookTargets, new CountDownLatch(0));
    this.advice = new Stage("library advice", adviceTargets, adviceDemand);
    this.maxWaitMillis = maxWaitMillis;
  }

  void openHooks(ClassFileTransformer transformer) {
    hooks.open(transformer);
  }

  void openAdvice(ClassFileTransformer transformer) {
    advice.open(transformer);
  }

  /**
   * Releases every waiting thread; a stage not opened stays without a transformer (its rewriting
   * could not be installed). Harmless after the stages opened.
   */
  void abandon() {
    hooks.ready.countDown();
    advice.ready.countDown();
  }

  @Override
  public byte[] transform(Module module, ClassLoader loader, String className,
      Class<?> classBeingRedefined, ProtectionDomain protectionDomain, byte[] classfile)
      throws IllegalClassFormatException {
    boolean mayWait = classBeingRedefined == null && className != null
        && !MeshHooks.isAgentThread();
    byte[] current = classfile;
    boolean changed = false;
    for (Stage stage : new Stage[] {hooks, advice}) {
      ClassFileTransformer transformer = stage.transformer(className, mayWait, maxWaitMillis);
      if (transformer != null) {
        byte[] result = transformer.transform(module, loader, className, classBeingRedefined,
            protectionDomain, current);
        if (result != null) {
          current = result;
          changed = true;
        }
      }
    }
    return changed ? current : null;
  }

  /** One stage of the rewriting and the class names that must wait for it. */
  private static final class Stage {
    private final String name;
    private final Set<String> knownTargets;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch demand;
    private volatile ClassFileTransformer transformer;

    Stage(String name, Set<String> knownTargets, CountDownLatch demand) {
      this.name = name;
      this.knownTargets = Set.copyOf(knownTargets);
      this.demand = demand;
    }

    void open(ClassFileTransformer t) {
      transformer = t;
      ready.countDown();
    }

    ClassFileTransformer transformer(String className, boolean mayWait, long maxWaitMillis) {
      ClassFileTransformer t = transformer;
      if (t != null || !mayWait || !knownTargets.contains(className)) {
        return t;
      }
      demand.countDown();
      try {
        if (!ready.await(maxWaitMillis, TimeUnit.MILLISECONDS)) {
          MeshLog.warnOnce("gate-timeout:" + name,
              "the agent's " + name + " were not ready within " + maxWaitMillis + " ms; "
                  + className.replace('/', '.') + " is used unmeshed until it is retransformed");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return transformer;
    }
  }
}
