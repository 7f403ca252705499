export { install as installFeatures } from '@runner-features/engine'
export { listFeatures } from './ops/list.js'
export { createRuntime } from './runtime.js'
