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

  /** A user message, serialized by the codec; opaque to the wire. */
  record Data(byte[] payload) implements Message {}

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
}
