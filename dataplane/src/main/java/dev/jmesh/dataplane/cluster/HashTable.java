package dev.jmesh.dataplane.cluster;

/** A consistent-hash lookup built once per host set: a ring-hash ring or a Maglev table. */
interface HashTable {

  /** The host for a request hash; never {@code null} (tables are only built with hosts). */
  Host pick(long hash);
}
