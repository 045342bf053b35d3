package org.asyncparallel.internal.launch;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.asyncparallel.Cluster;
import org.asyncparallel.internal.runtime.RuntimeSettings;
import org.asyncparallel.internal.wire.Endpoint;
import org.asyncparallel.internal.wire.Secret;

/**
 * What the root writes on a new worker's stdin: the runtime's settings (secret included), the
 * worker's id and where the root listens. Stdin is a pipe only the root holds, so the secret never
 * appears on a command line, in the environment or in a file.
 *
 * <pre>
 *  "APJB" | version u16 | secret (32) | runtime id u64 | worker id u64 | max frame u32
 *  | flags u8 | socket dir | local machine | root machine | root socket
 *  | master machine | n u32 | n x worker machine | root host | root port u32
 *  | master address | advertised host
 *  [| deserialization filter]                            (strings: u16 length + UTF-8)
 *
 *  flags: bit 0 = worker machine; bit 1 = a deserialization filter follows; bit 2 = buffer
 *  bounds other than the default end the record (max buffered bytes u64, age limit ms u64, 0 = none)
 * </pre>
 *
 * @param settings the runtime's settings as the worker will see them
 * @param workerId the worker's id, which it sends back in its HELLO
 * @param root where the root listens
 */
public record Bootstrap(RuntimeSettings settings, long workerId, Endpoint root) {
  private static final int MAGIC = 0x41504a42; // "APJB"
  private static final short VERSION = 1;
  private static final int WORKER_MACHINE = 1;
  private static final int FILTERED = 2;
  private static final int BOUNDED = 4;

  /** Writes the record (does not close the stream). */
  public void writeTo(OutputStream stream) throws IOException {
    var out = new DataOutputStream(stream);
    out.writeInt(MAGIC);
    out.writeShort(VERSION);
    out.write(settings.secret().bytes());
    out.writeLong(settings.runtimeId());
    out.writeLong(workerId);
    out.writeInt(settings.maxFrameBytes());
    boolean filtered = !settings.deserializationFilter().isEmpty();
    boolean bounded = !settings.dataBuffering().equals(RuntimeSettings.DEFAULT_BUFFERING);
    out.writeByte((settings.workerMachine() ? WORKER_MACHINE : 0) | (filtered ? FILTERED : 0) | (bounded ? BOUNDED : 0));
    out.writeUTF(settings.socketDirectory().toString());
    out.writeUTF(settings.localMachine());
    out.writeUTF(root.machine());
    out.writeUTF(root.unixPath());
    out.writeUTF(settings.cluster().masterMachine());
    out.writeInt(settings.cluster().workerMachines().size());
    for (String machine : settings.cluster().workerMachines()) {
      out.writeUTF(machine);
    }
    out.writeUTF(root.host());
    out.writeInt(root.port());
    out.writeUTF(settings.masterAddress());
    out.writeUTF(settings.advertisedHost());
    if (filtered) {
      out.writeUTF(settings.deserializationFilter());
    }
    if (bounded) {
      var b = settings.dataBuffering();
      out.writeLong(b.maxUnwrittenBytes());
      out.writeLong(b.ageLimit() == null ? 0 : b.ageLimit().toMillis());
    }
    out.flush();
  }

  /**
   * Reads a record written by {@link #writeTo}, consuming exactly its bytes.
   *
   * @throws IOException if the stream ends early or does not hold a bootstrap record (a wrong
   *     magic or version, unknown flags, a machine count outside 0..100000)
   */
  public static Bootstrap readFrom(InputStream stream) throws IOException {
    var in = new DataInputStream(stream);
    if (in.readInt() != MAGIC || in.readShort() != VERSION) {
      throw new IOException("stdin does not start with a bootstrap record of version " + VERSION
          + ": this program is started by Async Parallel, not by hand");
    }
    byte[] secret = new byte[Secret.BYTES];
    in.readFully(secret);
    long runtimeId = in.readLong();
    long workerId = in.readLong();
    int maxFrame = in.readInt();
    int flags = in.readUnsignedByte();
    if ((flags & ~(WORKER_MACHINE | FILTERED | BOUNDED)) != 0) {
      throw new IOException("bad bootstrap flags " + flags);
    }
    Path socketDir = Path.of(in.readUTF());
    String localMachine = in.readUTF();
    String rootMachine = in.readUTF();
    String rootSocket = in.readUTF();
    String master = in.readUTF();
    int n = in.readInt();
    if (n < 0 || n > 100_000) {
      throw new EOFException("bad machine count " + n);
    }
    List<String> workers = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      workers.add(in.readUTF());
    }
    Endpoint root = new Endpoint(rootMachine, rootSocket, in.readUTF(), in.readInt());
    String masterAddress = in.readUTF();
    String advertisedHost = in.readUTF();
    String filter = (flags & FILTERED) != 0 ? in.readUTF() : "";
    var buffering = RuntimeSettings.DEFAULT_BUFFERING;
    if ((flags & BOUNDED) != 0) {
      long max = in.readLong();
      long ageMillis = in.readLong();
      if (max < 1 || ageMillis < 0) {
        throw new IOException("bad buffer bounds " + max + ", " + ageMillis);
      }
      buffering = new org.asyncparallel.internal.net.Connection.Buffering(max,
          ageMillis == 0 ? null : java.time.Duration.ofMillis(ageMillis));
    }
    var settings = new RuntimeSettings(Secret.of(secret), runtimeId, new Cluster(master, workers),
        localMachine, (flags & WORKER_MACHINE) != 0, socketDir, maxFrame, masterAddress, advertisedHost, filter,
        buffering);
    return new Bootstrap(settings, workerId, root);
  }
}
