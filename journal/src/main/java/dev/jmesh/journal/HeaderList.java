package dev.jmesh.journal;

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
