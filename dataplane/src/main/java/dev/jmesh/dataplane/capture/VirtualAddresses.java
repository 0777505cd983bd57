package dev.jmesh.dataplane.capture;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The addresses the mesh answers for service names, like Istio's DNS proxy auto-allocation: {@code
 * 240.240.0.0/16}, reserved address space that no network routes, so a connection that somehow
 * escapes capture fails rather than leaving the host. An address, once given to a name, keeps it
 * for the life of the JVM (applications cache resolved addresses).
 */
final class VirtualAddresses {

  private static final int BASE = (240 << 24) | (240 << 16);
  private static final int SIZE = 1 << 16;

  private final ConcurrentHashMap<String, InetAddress> byHost = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Integer, String> byAddress = new ConcurrentHashMap<>();

  /** Starts at 1: 240.240.0.0 itself is never handed out. */
  private final AtomicInteger next = new AtomicInteger(1);

  /** The virtual address of {@code host} (a service's FQDN), allocated on first use. */
  InetAddress addressOf(String host) {
    InetAddress known = byHost.get(host);
    return known != null ? known : byHost.computeIfAbsent(host, this::allocate);
  }

  /** The service FQDN {@code address} stands for, or {@code null} if it is not virtual. */
  String hostOf(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length != 4 || (b[0] & 0xff) != 240 || (b[1] & 0xff) != 240) {
      return null;
    }
    return byAddress.get(toInt(b));
  }

  static boolean isVirtual(InetAddress address) {
    byte[] b = address.getAddress();
    return b.length == 4 && (b[0] & 0xff) == 240 && (b[1] & 0xff) == 240;
  }

  private InetAddress allocate(String host) {
    int offset = next.getAndIncrement();
    if (offset >= SIZE - 1) {
      throw new IllegalStateException(
          "more than " + (SIZE - 2) + " mesh service names resolved; " + host + " gets none");
    }
    int ip = BASE | offset;
    byte[] bytes = {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip};
    byAddress.put(ip, host);
    try {
      return InetAddress.getByAddress(host, bytes);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // four bytes are always a valid address
    }
  }

  private static int toInt(byte[] b) {
    return ((b[0] & 0xff) << 24) | ((b[1] & 0xff) << 16) | ((b[2] & 0xff) << 8) | (b[3] & 0xff);
  }
}
