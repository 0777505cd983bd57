package dev.jmesh.instrumentation.grpc.v1_68.helpers;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Where the mesh's own events (a delayed reply, a route timeout) reach an application listener when
 * its call names no executor: never the mesh's timer thread, which only hands work on.
 */
final class CallbackThreads {

  static final ExecutorService EXECUTOR =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "jmesh-grpc-callback");
            t.setDaemon(true);
            return t;
          });

  private CallbackThreads() {}
}
