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
 * slow happens. ByteBuddy is set up on the agent's own thread, overlapping the application's
 * start-up; once it is ready the gate hands every class to it. Until then, an application thread
 * that loads one of the instrumentation modules' known targets (java.net.Socket, OkHttp's client
 * builder) waits for it, bounded, so no such class is ever defined without its advice. Other
 * classes load at full speed; those the rewriting cares about are retransformed once it is
 * ready.
 */
final class TransformerGate implements ClassFileTransformer {

  private final Set<String> knownTargets;
  private final long maxWaitMillis;
  private final CountDownLatch opened = new CountDownLatch(1);
  private volatile ClassFileTransformer delegate;

  /** {@code knownTargets} in internal form ({@code java/net/Socket}). */
  TransformerGate(Set<String> knownTargets, long maxWaitMillis) {
    this.knownTargets = Set.copyOf(knownTargets);
    this.maxWaitMillis = maxWaitMillis;
  }

  /** Hands every class from now on to {@code transformer}; releases waiting threads. */
  void open(ClassFileTransformer transformer) {
    delegate = transformer;
    opened.countDown();
  }

  /**
   * Releases waiting threads; without a transformer if none was opened (the rewriting could not
   * be installed). Harmless after {@link #open}.
   */
  void abandon() {
    opened.countDown();
  }

  @Override
  public byte[] transform(Module module, ClassLoader loader, String className,
      Class<?> classBeingRedefined, ProtectionDomain protectionDomain, byte[] classfileBuffer)
      throws IllegalClassFormatException {
    ClassFileTransformer ready = delegate;
    if (ready == null && classBeingRedefined == null && className != null
        && knownTargets.contains(className) && !MeshHooks.isAgentThread()) {
      ready = awaitDelegate(className);
    }
    return ready == null ? null
        : ready.transform(module, loader, className, classBeingRedefined, protectionDomain,
            classfileBuffer);
  }

  private ClassFileTransformer awaitDelegate(String className) {
    try {
      if (!opened.await(maxWaitMillis, TimeUnit.MILLISECONDS)) {
        MeshLog.warnOnce("gate-timeout",
            "the agent was not ready within " + maxWaitMillis + " ms; " + className
                + " is used unmeshed until it is retransformed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return delegate;
  }
}
