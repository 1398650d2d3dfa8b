/** The shared node-test helper (typed node-red-node-test-helper); see test/support/node-helper.ts. */
export { catchNode, helper, startHelper, stopHelper, type TestHelper, type TestNode } from '../../support/node-helper';
