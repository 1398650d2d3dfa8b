/**
 * Texts from Node-RED's message catalogues in code that several node sets run. Each node file of
 * this package is a node set of its own, and Node-RED gives each its own RED, whose `_` looks a
 * bare key up in that node set's catalogue (`locales/<lang>/<type>.json`, namespace
 * `<package>/<type>`). Code shared by several node sets (nodes/shared, a system's config-api.ts)
 * runs with whichever RED called it, so it names the catalogue its text lives in, the way Node-RED's
 * core nodes reach `node-red:common.*`. Substitutions are written `__name__` in the catalogues
 * (Node-RED's runtime i18n; `{{name}}` is the editor's).
 */
import type { NodeAPI } from 'node-red';

/** The part of RED a text needs. */
export type Catalogue = Pick<NodeAPI, '_'>;

export type Substitutions = Record<string, string | number>;

/** package.json `name`: the first half of every catalogue namespace of the package. */
export const PACKAGE_NAME = 'node-red-contrib-sage-x3-shipping';

/** The node sets of package.json `node-red.nodes`, each with its own catalogue. */
export type NodeSetName =
  | 'x3-config'
  | 'x3-poll'
  | 'x3-update'
  | 'fedex-config'
  | 'fedex-ship'
  | 'fedex-track'
  | 'fedex-webhook'
  | 'shipstation-config'
  | 'shipstation-in'
  | 'shipstation-fetch'
  | 'shipstation-update'
  | 'audit-config'
  | 'audit-sink';

/**
 * Where the texts of nodes/shared live: the `common` section of the audit-config catalogue, the
 * one node set that nodes of every system use.
 */
export const COMMON_CATALOGUE: NodeSetName = 'audit-config';

/** `key` of `nodeSet`'s catalogue, whichever node set runs the code. */
export function catalogueText(
  RED: Catalogue,
  nodeSet: NodeSetName,
  key: string,
  substitutions?: Substitutions,
): string {
  return RED._(`${PACKAGE_NAME}/${nodeSet}:${key}`, substitutions);
}

/** `common.<key>` of the common catalogue: the texts of nodes/shared. */
export function commonText(RED: Catalogue, key: string, substitutions?: Substitutions): string {
  return catalogueText(RED, COMMON_CATALOGUE, `common.${key}`, substitutions);
}
