package org.asyncparallel.internal.runtime;

import java.nio.file.Path;
import org.asyncparallel.Cluster;
import org.asyncparallel.internal.net.Connection;
import org.asyncparallel.internal.wire.Secret;

/**
 * What every process of one runtime knows: the same in the root and in each worker (a worker
 * gets it in its bootstrap record), except {@code localMachine} and {@code workerMachine}.
 *
 * @param secret the shared secret
 * @param runtimeId a random number naming this runtime (its socket directory, logs)
 * @param cluster the machines
 * @param localMachine the cluster name of the machine this process runs on
 * @param workerMachine true on a worker machine of the cluster
 * @param socketDirectory where this machine's processes of the runtime put their sockets
 * @param maxFrameBytes the largest frame accepted
 * @param masterAddress how this machine reaches the master machine over TCP (empty on the master)
 * @param advertisedHost how other machines reach this one over TCP (empty on the master, which
 *     each machine reaches at its own {@code masterAddress})
 * @param deserializationFilter the {@code Config.deserializationFilter} pattern every process
 *     applies when it deserializes a value; empty for none
 * @param dataBuffering the bounds of channel and hub-client connections
 *     ({@code Config.maxBufferedBytes}, {@code Config.bufferAgeLimit})
 */
public record RuntimeSettings(
    Secret secret,
    long runtimeId,
    Cluster cluster,
    String localMachine,
    boolean workerMachine,
    Path socketDirectory,
    int maxFrameBytes,
    String masterAddress,
    String advertisedHost,
    String deserializationFilter,
    Connection.Buffering dataBuffering) {
  /** The default bounds: 16 MiB each way, no age limit. */
  public static final Connection.Buffering DEFAULT_BUFFERING = new Connection.Buffering(16L << 20, null);

  /** Settings without a deserialization filter, with the default bounds. */
  public RuntimeSettings(Secret secret, long runtimeId, Cluster cluster, String localMachine,
      boolean workerMachine, Path socketDirectory, int maxFrameBytes, String masterAddress,
      String advertisedHost) {
    this(secret, runtimeId, cluster, localMachine, workerMachine, socketDirectory, maxFrameBytes,
        masterAddress, advertisedHost, "", DEFAULT_BUFFERING);
  }

  /** Settings with the default bounds. */
  public RuntimeSettings(Secret secret, long runtimeId, Cluster cluster, String localMachine,
      boolean workerMachine, Path socketDirectory, int maxFrameBytes, String masterAddress,
      String advertisedHost, String deserializationFilter) {
    this(secret, runtimeId, cluster, localMachine, workerMachine, socketDirectory, maxFrameBytes,
        masterAddress, advertisedHost, deserializationFilter, DEFAULT_BUFFERING);
  }

  /** The same settings with other bounds. */
  public RuntimeSettings withBuffering(Connection.Buffering buffering) {
    return new RuntimeSettings(secret, runtimeId, cluster, localMachine, workerMachine, socketDirectory,
        maxFrameBytes, masterAddress, advertisedHost, deserializationFilter, buffering);
  }

  /** True when the runtime spans several machines: every process then listens on TCP too. */
  public boolean spansMachines() {
    return !cluster.workerMachines().isEmpty();
  }

  /** Where this process's listener lives. */
  public Path socketOf(long pid) {
    return socketDirectory.resolve(pid + ".sock");
  }
}
