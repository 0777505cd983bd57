package dev.jmesh.journal;

/** A header as the journal kept it: the name as sent, the value possibly redacted or cut. */
public record JournalHeader(String name, String value) {}
