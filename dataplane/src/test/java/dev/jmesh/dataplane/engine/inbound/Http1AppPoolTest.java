package dev.jmesh.dataplane.engine.inbound;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jmesh.dataplane.engine.EngineLoops;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.DefaultPromise;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The keep-alive pool to the application over a real loopback connection. */
class Http1AppPoolTest {

  private final EngineLoops loops = new EngineLoops(1);
  private ServerSocket application;
  private Http1AppPool pool;
  private EventLoop loop;

  @BeforeEach
  void start() throws Exception {
    application = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    loop = loops.group().next();
    pool =
        new Http1AppPool(
            new ApplicationDialer(
                loops,
                (InetSocketAddress) application.getLocalSocketAddress(),
                ConcurrentHashMap.newKeySet()),
            loop);
  }

  @AfterEach
  void stop() throws Exception {
    application.close();
    loops.close();
  }

  @Test
  void reusingAConnectionDoesNotGrowItsCloseListeners() throws Exception {
    Channel first = pool.connect().get(5, TimeUnit.SECONDS);
    try (Socket accepted = application.accept()) {
      int before = onLoop(() -> listenerCount(first));
      for (int i = 0; i < 1_000; i++) {
        Channel again =
            onLoop(
                () -> {
                  pool.release(first);
                  return pool.pollIdle();
                });
        assertSame(first, again, "an idle connection is reused");
      }
      // Before the fix every release added one listener: 1,000 requests, 1,000 listeners kept for
      // the connection's life (the proxy's old generation filled at ~8k requests/s).
      assertEquals(before, (int) onLoop(() -> listenerCount(first)));

      onLoop(
          () -> {
            pool.release(first);
            return null;
          });
      assertEquals(1, (int) onLoop(pool::idleCount));
      first.close().syncUninterruptibly();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (onLoop(pool::idleCount) != 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertEquals(0, (int) onLoop(pool::idleCount), "a closed connection leaves the pool");
    }
  }

  @Test
  void anEmptyPoolHasNothingToLendAndAClosedConnectionIsNotLent() throws Exception {
    assertNull(onLoop(pool::pollIdle));
    Channel c = pool.connect().get(5, TimeUnit.SECONDS);
    try (Socket accepted = application.accept()) {
      c.close().syncUninterruptibly();
      onLoop(
          () -> {
            pool.release(c); // closed: not taken back
            return null;
          });
      assertNull(onLoop(pool::pollIdle));
    }
  }

  private <T> T onLoop(Callable<T> task) throws Exception {
    return loop.submit(task).get(5, TimeUnit.SECONDS);
  }

  /**
   * How many listeners wait on the connection's close future, read from Netty's {@code
   * DefaultPromise} (no public accessor exists): one listener in a field, more in a list.
   */
  private static int listenerCount(Channel ch) throws ReflectiveOperationException {
    Object closeFuture = ch.closeFuture();
    assertTrue(closeFuture instanceof DefaultPromise, closeFuture.getClass().getName());
    Field one = DefaultPromise.class.getDeclaredField("listener");
    Field many = DefaultPromise.class.getDeclaredField("listeners");
    one.setAccessible(true);
    many.setAccessible(true);
    Object list = many.get(closeFuture);
    if (list != null) {
      Method size = list.getClass().getDeclaredMethod("size");
      size.setAccessible(true);
      return (int) size.invoke(list);
    }
    return one.get(closeFuture) != null ? 1 : 0;
  }
}
