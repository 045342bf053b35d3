package org.asyncparallel;

import java.io.Serializable;

/**
 * Names one client connection of a {@link Hub}. Ids are unique within their hub and never reused.
 *
 * @param value the id's number, positive
 */
public record ClientId(long value) implements Comparable<ClientId>, Serializable {
  @Override
  public int compareTo(ClientId other) {
    return Long.compare(value, other.value);
  }

  // equals and hashCode written out: a record's generated ones are linked on first use through
  // an invokedynamic bootstrap, which cost a new worker JVM 8-35 ms of CPU when a hub's first
  // client attached (the hub keeps its clients in a map)

  /** Equal if the numbers are. */
  @Override
  public boolean equals(Object other) {
    return other instanceof ClientId id && id.value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value);
  }

  @Override
  public String toString() {
    return "client-" + value;
  }
}
