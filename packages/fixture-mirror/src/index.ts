// Test support: local HTTP mirrors in the real upstream layouts (nodejs.org/dist, releases.hashicorp.com).
export { cacheRoot, fixturePath } from './cache.js'
export { sha256File } from './checksums.js'
export { buildDemoMirror, serveDemo, type DemoMirror, type DemoUrls } from './demo.js'
export { buildNodeMirror, DEFAULT_NODE_VERSIONS, type BuiltMirror, type NodeArch, type NodeArchiveFormat, type NodeMirrorOptions } from './node-mirror.js'
export { formatIndexJson, formatIndexTab, parseIndexTab, type NodeIndexEntry } from './node-index.js'
export { startMirrorServer, type LoggedRequest, type MirrorServer } from './server.js'
export { buildTerraformMirror, DEFAULT_TERRAFORM_VERSIONS, terraformScript, type TerraformMirrorOptions } from './terraform-mirror.js'
export { HASHICORP_RELEASES, type HashicorpBuild, type HashicorpIndex, type HashicorpRelease } from './terraform-index.js'
