// Loaded by fast.ts only for `features install`: version matching needs semver, `list` does not.
export { tryNoopInstall } from '@runner-features/engine/fast'
export { printInstallReport } from './ops/install-report.js'
