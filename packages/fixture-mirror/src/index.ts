// Test support: the generic parts of local HTTP mirrors. Each upstream layout lives in its plugin's
// folder (`plugins/<id>/fixtures/mirror.ts`), found through pluginFixtures/pluginMirror.
export { buildOnce, cacheKey, cacheRoot, findRepoRoot, fixturePath } from './cache.js'
export { sha256File, writeShasums } from './checksums.js'
export { tarGzArchive, zipArchive, type ArchiveEntry } from './archives.js'
export { gzipFile, readTgzEntry, writeNodeTar, xzFile } from './node-archive.js'
export { pluginFixtures, pluginMirror, type PluginFixture, type PluginMirror, type PluginMirrorModule } from './plugin-mirrors.js'
export { buildDemoMirror, DEMO_FEATURES, serveDemo, type DemoMirror, type DemoUrls } from './demo.js'
export { startMirrorServer, type LoggedRequest, type MirrorServer } from './server.js'
export { detachedSignature, generateTestKey, mirrorSigningKey, signFile, type MirrorSigningKey } from './signing.js'
