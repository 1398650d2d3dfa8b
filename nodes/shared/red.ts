/**
 * The Node-RED types the node files use, in one place, and the small runtime glue they share:
 * failMessage (our catchable error details on msg.error), handleInput (an async input handler whose
 * rejection reaches done) and userDir (where state files live).
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import { toErrorInfo, type SystemName } from '../core/errors';

export type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus };

/** Input handler signature with the done-aware three parameters. */
export type SendFn = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;
export type DoneFn = (err?: Error) => void;

/** A msg as our nodes treat it: any properties, kept as they came. */
export type Msg = NodeMessageInFlow & Record<string, unknown>;

/**
 * Prepares a failed msg for `done(err)`: our catchable details go on `msg.error`. Node-RED's
 * Catch node then puts its own `{message, source, code}` on `msg.error` and keeps ours on
 * `msg._error`, so a flow can read both.
 */
export function failMessage(msg: Msg, err: unknown, system: SystemName = 'plugin'): Error {
  msg.error = toErrorInfo(err, system);
  return err instanceof Error ? err : new Error(String(err));
}

/** The user dir Node-RED stores flows in; state files live under it. */
export function userDir(RED: NodeAPI): string {
  const dir = (RED.settings as unknown as { userDir?: string }).userDir;
  return dir ?? process.cwd();
}

/** Runs an async input handler so a rejected promise reaches `done` instead of being lost. */
export function handleInput(node: Node, handler: (msg: Msg, send: SendFn, done: DoneFn) => Promise<void>): void {
  node.on('input', (msg: NodeMessageInFlow, send: SendFn, done: DoneFn) => {
    handler(msg as Msg, send, done).catch((err: unknown) => done(err instanceof Error ? err : new Error(String(err))));
  });
}
