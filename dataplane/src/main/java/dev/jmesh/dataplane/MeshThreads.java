package dev.jmesh.dataplane;

import dev.jmesh.bootstrap.MeshHooks;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads of the mesh itself. Each is a daemon, so the agent never keeps an application's JVM
 * alive, and is marked as the agent's own, so the sockets it opens never reach the hooks.
 */
public final class MeshThreads {

  private MeshThreads() {}

  public static ThreadFactory factory(String name) {
    return new Factory(name);
  }

  /** Named classes rather than lambdas: this runs in premain, where lambdas cost start-up. */
  private static final class Factory implements ThreadFactory {
    private final String name;
    private final AtomicInteger count = new AtomicInteger();

    Factory(String name) {
      this.name = name;
    }

    @Override
    public Thread newThread(Runnable task) {
      Thread thread = new Thread(new Marked(task), "jmesh-" + name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    }
  }

  private static final class Marked implements Runnable {
    private final Runnable task;

    Marked(Runnable task) {
      this.task = task;
    }

    @Override
    public void run() {
      MeshHooks.markAgentThread();
      task.run();
    }
  }

  /** Starts one daemon agent thread running {@code task}. */
  public static Thread start(String name, Runnable task) {
    Thread thread = factory(name).newThread(task);
    thread.start();
    return thread;
  }
}
