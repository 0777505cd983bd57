package dev.jmesh.testing.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Ends a process and everything it started, politely first and forcibly after a grace period. */
public final class ProcessTree {

  private ProcessTree() {}

  /**
   * The process and its current descendants. Take it before the root ends: descendants of a dead
   * process are re-parented and can no longer be found from it.
   */
  public static List<ProcessHandle> snapshot(ProcessHandle root) {
    List<ProcessHandle> tree = new ArrayList<>();
    root.descendants().forEach(tree::add);
    tree.add(root);
    return tree;
  }

  /** Sends SIGTERM to every process of the tree without waiting. */
  public static void terminate(List<ProcessHandle> tree) {
    tree.forEach(ProcessHandle::destroy);
  }

  /**
   * Terminates the tree, waits up to {@code grace} for it to go, then kills what is left and waits
   * for that too.
   *
   * @return whether every process of the tree has ended
   */
  public static boolean destroy(List<ProcessHandle> tree, Duration grace) {
    tree.forEach(ProcessHandle::destroy);
    if (!awaitAll(tree, grace)) {
      tree.forEach(ProcessHandle::destroyForcibly);
      return awaitAll(tree, Duration.ofSeconds(10));
    }
    return true;
  }

  private static boolean awaitAll(List<ProcessHandle> tree, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (ProcessHandle handle : tree) {
      long left = deadline - System.nanoTime();
      try {
        if (left <= 0) {
          return tree.stream().noneMatch(ProcessHandle::isAlive);
        }
        handle.onExit().get(left, TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        return false;
      } catch (java.util.concurrent.ExecutionException e) {
        // onExit never completes exceptionally; treat it as gone.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }
}
