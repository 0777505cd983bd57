package dev.jmesh.journal;

import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.RollCycles;

/** How often the journal starts a new cycle file: the unit retention deletes. */
public enum JournalRoll {
  HOURLY,
  DAILY;

  RollCycle rollCycle() {
    return this == HOURLY ? RollCycles.FAST_HOURLY : RollCycles.FAST_DAILY;
  }

  /** Parses {@code hourly} or {@code daily}, any case. */
  public static JournalRoll parse(String text) {
    for (JournalRoll roll : values()) {
      if (roll.name().equalsIgnoreCase(text.trim())) {
        return roll;
      }
    }
    throw new IllegalArgumentException("journal roll '" + text + "' is not one of: hourly, daily");
  }
}
