package org.asyncparallel.internal.runtime;

import java.nio.file.Path;
import org.asyncparallel.Cluster;
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
    String advertisedHost) {

  /** True when the runtime spans several machines: every process then listens on TCP too. */
  public boolean spansMachines() {
    return !cluster.workerMachines().isEmpty();
  }

  /** Bounds on the unwritten data of a channel or a hub's client connection. */
  public org.asyncparallel.internal.net.Connection.Buffering dataBuffering() {
    return new org.asyncparallel.internal.net.Connection.Buffering(16L << 20, null);
  }

  /** Where this process's listener lives. */
  public Path socketOf(long pid) {
    return socketDirectory.resolve(pid + ".sock");
  }
}
