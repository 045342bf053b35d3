package org.asyncparallel.testing;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;

/** Java serialization in memory, as a value crossing to another process would go. */
public final class Serialization {
  private Serialization() {}

  /** {@code value} written and read back in this process (a channel read back is a new client). */
  @SuppressWarnings("unchecked")
  public static <T> T roundTrip(T value) throws IOException, ClassNotFoundException {
    var bytes = new ByteArrayOutputStream();
    try (var out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    }
    try (var in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (T) in.readObject();
    }
  }
}
