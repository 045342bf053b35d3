package org.asyncparallel.internal.wire;

/**
 * Every message of every link, one record per frame type (see {@code docs/PROTOCOL.md}).
 *
 * <p>Opening a connection (client to server, first frame after the handshake): {@link Hello}
 * (a worker to the root) or {@link Attach} (a channel to a hub's process); the hub answers
 * {@link Attached} or {@link Refused}.
 *
 * <p>Hub link, both ways: {@link Data}.
 *
 * <p>Control link. Root to worker: {@link Assign}, and the replies to the worker's requests.
 * Worker to root: {@link HubReady}, {@link Result}, {@link Failure} about its own job;
 * {@link Request} and {@link Cancel} for nested work. Replies carry the request's id:
 * {@link HubReady}, {@link Result}, {@link Failure}, {@link Died}, {@link Rejected}.
 *
 * <p>Agent link (root and the agent of a worker machine, over the ssh session): {@link Launch},
 * {@link Kill} and {@link Heartbeat} from the root; {@link AgentHello}, {@link Launched},
 * {@link Exited}, {@link Output} and {@link Heartbeat} from the agent.
 */
public sealed interface Message {
  /** A worker introduces itself to the root. */
  record Hello(long workerId, long pid) implements Message {}

  /** A channel asks to become a client of a hub. */
  record Attach(long hubId) implements Message {}

  /** The hub accepted the channel as this client. */
  record Attached(long clientId) implements Message {}

  /** The hub refused the channel (no such hub, or it is closed). */
  record Refused(String reason) implements Message {}

  /**
   * A user message, opaque to the wire: the value's {@code Codec} bytes, or, when {@code plain},
   * the content of a {@code byte[]} value itself, which the receiver hands out as it arrived (no
   * tag to strip, so no copy).
   */
  record Data(byte[] payload, boolean plain) implements Message {
    /** A value's {@code Codec} bytes. */
    public Data(byte[] payload) {
      this(payload, false);
    }
  }

  /** The root gives a worker its one job. */
  record Assign(long jobId, JobKind kind, byte[] task) implements Message {}

  /** A spawned worker's hub is listening at this address. */
  record HubReady(long id, HubAddress address) implements Message {}

  /** The job returned this value (serialized by the codec). */
  record Result(long id, byte[] value) implements Message {}

  /** The job threw. */
  record Failure(long id, RemoteError error) implements Message {}

  /** The job's worker died or was lost before it returned. */
  record Died(long id, String reason) implements Message {}

  /** The request could not be carried out (e.g. the runtime is shutting down). */
  record Rejected(long id, String reason) implements Message {}

  /** A worker asks the root to start a job for it. */
  record Request(long requestId, String machine, JobKind kind, byte[] task) implements Message {}

  /** A worker no longer wants the result of its request: the root kills that worker. */
  record Cancel(long requestId) implements Message {}

  // The agent link: the root and the agent of a worker machine, over the ssh session's pipes.

  /** The agent is ready; how its machine and the master's reach each other over TCP. */
  record AgentHello(long pid, String advertisedHost, String masterAddress) implements Message {}

  /** The root asks the agent to start a worker for this job. */
  record Launch(long workerId) implements Message {}

  /** The agent started the worker. */
  record Launched(long workerId, long pid) implements Message {}

  /** The root asks the agent to kill a worker. */
  record Kill(long workerId) implements Message {}

  /** A worker of the agent's machine ended; how (exit status or signal, end of its stderr). */
  record Exited(long workerId, String description) implements Message {}

  /** Output of the agent's machine (its workers', or its own) for the main process. */
  record Output(int stream, byte[] bytes) implements Message {}

  /** Either side is alive (sent every second; silence means the other side is lost). */
  record Heartbeat() implements Message {}
}
