package dev.jmesh.journal;

import java.util.Arrays;

/**
 * Up to a fixed number of header name/value pairs, kept by reference in arrays allocated on first
 * use, plus a count of the headers that did not fit. Reused request after request.
 */
final class HeaderList {

  private final int capacity;
  private String[] names;
  private String[] values;
  private int size;
  private int omitted;

  HeaderList(int capacity) {
    this.capacity = capacity;
  }

  /**
   * Forgets the headers without nulling the arrays: every reference store costs a GC write barrier
   * on the request path, and the strings kept alive are at most one request's worth.
   */
  void clear() {
    size = 0;
    omitted = 0;
  }

  /**
   * As {@link #clear()}, and nulls the entries, so that nothing the request made stays reachable.
   */
  void forget() {
    if (names != null && size > 0) {
      Arrays.fill(names, 0, size, null);
      Arrays.fill(values, 0, size, null);
    }
    clear();
  }

  void add(String name, String value) {
    if (name == null) {
      return;
    }
    if (size == capacity) {
      omitted++;
      return;
    }
    if (names == null) {
      names = new String[capacity];
      values = new String[capacity];
    }
    names[size] = name;
    values[size] = value == null ? "" : value;
    size++;
  }

  void copyInto(HeaderList target) {
    int n = Math.min(size, target.capacity);
    if (n > 0 && target.names == null) {
      target.names = new String[target.capacity];
      target.values = new String[target.capacity];
    }
    if (n > 0) {
      System.arraycopy(names, 0, target.names, 0, n);
      System.arraycopy(values, 0, target.values, 0, n);
    }
    if (target.size > n) {
      Arrays.fill(target.names, n, target.size, null);
      Arrays.fill(target.values, n, target.size, null);
    }
    target.size = n;
    target.omitted = omitted + (size - n);
  }

  int size() {
    return size;
  }

  int omitted() {
    return omitted;
  }

  String name(int i) {
    return names[i];
  }

  String value(int i) {
    return values[i];
  }
}
