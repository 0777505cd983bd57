package dev.jmesh.journal;

/**
 * The part of an entry that is the same for every request between the same two workloads along the
 * same route to the same endpoint: what format version 2 writes once and refers to from the
 * entries after it ({@link EntryCodec}). Read back, one instance serves every entry that refers to
 * it, so its strings are shared too.
 */
record EntryLabels(
    String sourceWorkload,
    String sourceNamespace,
    String sourcePrincipal,
    String destinationWorkload,
    String destinationNamespace,
    String destinationPrincipal,
    String destinationService,
    String route,
    String cluster,
    String upstreamHost,
    String authority,
    String securityPolicy) {

  /** Reads a label block in the order {@link EntryCodec#writePayload} writes it. */
  static EntryLabels read(EntryBytes in) {
    return new EntryLabels(
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString(),
        in.readString());
  }
}
