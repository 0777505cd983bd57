package dev.jmesh.dataplane.capture;

import java.io.Closeable;
import java.lang.ref.WeakReference;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The application's servers whose ports the engine took over. Looked up by identity on every {@code
 * getLocalPort()} of any server, so reads are a scan of a small copy-on-write array, without locks;
 * servers are weakly held, so one the application drops without closing is forgotten.
 */
final class TakenOverServers {

  /** One server: the address it asked for, and once bound, where it really listens. */
  static final class Entry {
    final WeakReference<Object> server;
    final InetSocketAddress declared;
    volatile InetSocketAddress hidden;
    volatile Closeable enginePort;

    Entry(Object server, InetSocketAddress declared) {
      this.server = new WeakReference<>(server);
      this.declared = declared;
    }

    /** Whether the application's server is bound and the engine listens for it. */
    boolean active() {
      return enginePort != null;
    }
  }

  private volatile Entry[] entries = new Entry[0];

  Entry find(Object server) {
    for (Entry e : entries) {
      if (e.server.get() == server) {
        return e;
      }
    }
    return null;
  }

  /** The active entry whose application listens on {@code hiddenPort}, or {@code null}. */
  Entry findByHiddenPort(int hiddenPort) {
    for (Entry e : entries) {
      InetSocketAddress hidden = e.hidden;
      if (hidden != null && hidden.getPort() == hiddenPort) {
        return e;
      }
    }
    return null;
  }

  synchronized Entry add(Object server, InetSocketAddress declared) {
    Entry entry = new Entry(server, declared);
    List<Entry> next = new ArrayList<>(entries.length + 1);
    for (Entry e : entries) {
      if (e.server.get() != null && e.server.get() != server) {
        next.add(e);
      }
    }
    next.add(entry);
    entries = next.toArray(new Entry[0]);
    return entry;
  }

  synchronized void remove(Entry entry) {
    List<Entry> next = new ArrayList<>(entries.length);
    for (Entry e : entries) {
      if (e != entry && e.server.get() != null) {
        next.add(e);
      }
    }
    entries = next.toArray(new Entry[0]);
  }

  int size() {
    return entries.length;
  }
}
