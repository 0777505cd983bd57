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
    AtomicInteger count = new AtomicInteger();
    return task -> {
      Thread thread =
          new Thread(
              () -> {
                MeshHooks.markAgentThread();
                task.run();
              },
              "jmesh-" + name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /** Starts one daemon agent thread running {@code task}. */
  public static Thread start(String name, Runnable task) {
    Thread thread = factory(name).newThread(task);
    thread.start();
    return thread;
  }
}
