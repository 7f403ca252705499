export { installFeatures } from './ops/install.js'
export { listFeatures } from './ops/list.js'
export { createRuntime } from './runtime.js'
