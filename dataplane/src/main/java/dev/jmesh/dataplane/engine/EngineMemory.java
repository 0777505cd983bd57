package dev.jmesh.dataplane.engine;

import dev.jmesh.dataplane.stats.PrometheusText;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;

/**
 * The engine's memory, for {@code /stats/prometheus}: what its buffers hold right now. Bodies are
 * streamed, never aggregated, so this stays at a few chunks per connection however large the
 * bodies; a number that grows with body size is a bug.
 */
public final class EngineMemory {

  private EngineMemory() {}

  public static void writeTo(PrometheusText text) {
    ByteBufAllocator allocator = ByteBufAllocator.DEFAULT;
    long direct = -1;
    long heap = -1;
    if (allocator instanceof ByteBufAllocatorMetricProvider provider) {
      direct = provider.metric().usedDirectMemory();
      heap = provider.metric().usedHeapMemory();
    }
    text.header(
            "jmesh_engine_direct_memory_bytes",
            "gauge",
            "Direct memory held by the engine's buffer allocator.")
        .sample("jmesh_engine_direct_memory_bytes", direct);
    text.header(
            "jmesh_engine_heap_buffer_bytes",
            "gauge",
            "Heap memory held by the engine's buffer allocator.")
        .sample("jmesh_engine_heap_buffer_bytes", heap);
    long jvmDirect = 0;
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        jvmDirect = pool.getMemoryUsed();
      }
    }
    text.header(
            "jmesh_jvm_direct_buffer_bytes",
            "gauge",
            "Direct buffers of the whole JVM (the application's and the engine's).")
        .sample("jmesh_jvm_direct_buffer_bytes", jvmDirect);
  }
}
