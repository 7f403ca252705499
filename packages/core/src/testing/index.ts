// @runner-features/core/testing: test helpers that the kit builds on (kit depends on core, never the
// reverse), so core's tests and plugin authors' tests share one fake context. Never imported by
// runtime code. fs-faults.ts (root-only file-system faults) stays internal: tests import it by path.
export { fakeContext, type FakeRoutes } from './fake-context.js'
