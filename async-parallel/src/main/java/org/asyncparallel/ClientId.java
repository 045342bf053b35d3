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

  @Override
  public String toString() {
    return "client-" + value;
  }
}
