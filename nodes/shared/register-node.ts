/**
 * The one constructor idiom of every node file. Node-RED calls a node's constructor with `new`
 * and wants `RED.nodes.createNode(this, def)` before anything else; that happens here, once, and
 * the node file's `setup(node, def)` gets the created node as a parameter. So no node file
 * aliases `this` for the helpers and callbacks it hands the node to, and a setup that returns
 * early (config missing) still leaves a created node behind.
 */
import type { Node, NodeAPI, NodeDef } from 'node-red';

/** Runtime declaration of a node's credentials (each key `text` or `password`, as in the editor). */
export type CredentialsDeclaration<C> = { [K in keyof C]-?: { type: 'text' | 'password' } };

export interface NodeRegistration<C> {
  /** Must match the editor's `credentials` (Node-RED wants them declared on both sides). */
  credentials?: CredentialsDeclaration<C>;
}

/** Registers `type` with a constructor that creates the node and hands it to `setup`. */
export function registerNode<N extends Node<object>, D extends NodeDef>(
  RED: NodeAPI,
  type: string,
  setup: (node: N, def: D) => void,
  options?: NodeRegistration<N['credentials']>,
): void {
  function construct(this: N, def: D): void {
    RED.nodes.createNode(this, def);
    setup(this, def);
  }
  RED.nodes.registerType<N, D, unknown, N['credentials']>(type, construct, options);
}
