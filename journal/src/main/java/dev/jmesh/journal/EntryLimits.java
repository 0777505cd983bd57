package dev.jmesh.journal;

/**
 * What of a record an entry keeps, from the settings: headers per direction, chars per header
 * value, bytes per body, and which header values are redacted.
 */
record EntryLimits(
    HeaderRedaction redaction, int maxHeaders, int maxHeaderValueChars, int maxBodyBytes) {

  static EntryLimits of(JournalSettings settings) {
    return new EntryLimits(
        new HeaderRedaction(settings.redactHeaders()),
        settings.maxHeaders(),
        settings.maxHeaderValueChars(),
        settings.maxBodyBytes());
  }
}
