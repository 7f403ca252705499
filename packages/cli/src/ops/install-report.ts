import { formatBytes, printJson, writeOut } from '../output.js'

/** One line of an install report; the same shape for the fast no-op path and the full path. */
export interface InstallReportItem {
  id: string
  spec: string
  version: string
  status: 'installed' | 'already-installed' | 'would-install' | 'failed'
  path?: string
  sourceUrl?: string
  fetchFrom?: string
  sha256?: string
  size?: number
  fromCache?: boolean
  seconds?: number
  links?: string[]
  /** Every artifact of a download install, in extraction order (`sourceUrl`/`sha256` are the first; `size` is the sum). */
  artifacts?: ReportArtifact[]
  error?: { code: string; message: string; where?: string; hint?: string }
}

/** One artifact in a plan or an install: canonical URL, where it is fetched from (plans), sha256, bytes. */
export interface ReportArtifact {
  url: string
  fetchFrom?: string
  sha256: string
  size?: number
}

/** The report fields for a plan that downloads `artifacts`. */
export function plannedDownload(artifacts: readonly { url: string; sha256: string; size?: number }[], resolve: (url: string) => string): Pick<InstallReportItem, 'sourceUrl' | 'fetchFrom' | 'sha256' | 'size' | 'artifacts'> {
  const first = artifacts[0]!
  const sizes = artifacts.map((a) => a.size)
  return {
    sourceUrl: first.url, fetchFrom: resolve(first.url), sha256: first.sha256.toLowerCase(),
    size: sizes.every((n) => n !== undefined) ? sizes.reduce((a, b) => a + b, 0) : undefined,
    artifacts: artifacts.map((a) => ({ url: a.url, fetchFrom: resolve(a.url), sha256: a.sha256.toLowerCase(), ...(a.size !== undefined ? { size: a.size } : {}) })),
  }
}

export interface InstallReport {
  schemaVersion: 1
  dryRun: boolean
  results: InstallReportItem[]
  /** Network requests made by this run (0 for a no-op re-install). */
  requests: number
}

/** System-package installs record their source as `<manager or family>:<pkg>,<pkg>` instead of a URL. */
function isSystem(r: InstallReportItem): boolean {
  return !!r.sourceUrl && !/^[a-z]+:\/\//.test(r.sourceUrl) && r.sourceUrl.includes(':')
}

function packagesOf(r: InstallReportItem): string {
  return r.sourceUrl!.slice(r.sourceUrl!.indexOf(':') + 1).split(',').join(', ')
}

export function printInstallReport(report: InstallReport, json: boolean): void {
  if (json) return printJson(report)
  const lines = report.results.map((r) => {
    const head = `${r.id}@${r.spec} → ${r.version || '?'}`
    switch (r.status) {
      case 'already-installed':
        return `${head}  already installed at ${r.path}`
      case 'installed':
        if (isSystem(r)) return `${head}  installed with ${r.sourceUrl!.replace(/:.*/, '')} (${packagesOf(r)}, ${r.seconds?.toFixed(1)} s)`
        if ((r.artifacts?.length ?? 0) > 1) return `${head}  installed at ${r.path} (${r.artifacts!.length} archives, ${formatBytes(r.size ?? 0)}${r.fromCache ? ' from the download cache' : ''}, ${r.seconds?.toFixed(1)} s, each sha256-verified)`
        return `${head}  installed at ${r.path} (${formatBytes(r.size ?? 0)}${r.fromCache ? ' from the download cache' : ''}, ${r.seconds?.toFixed(1)} s, sha256 ${r.sha256?.slice(0, 12)}…)`
      case 'would-install':
        if (isSystem(r)) return `${head}  would install ${packagesOf(r)} with ${r.fetchFrom}`
        if ((r.artifacts?.length ?? 0) > 1) return `${head}  would install to ${r.path} from ${r.artifacts!.length} archives${r.size !== undefined ? ` (${formatBytes(r.size)})` : ''}${r.artifacts!.map((a) => `\n    from ${a.fetchFrom}\n    sha256 ${a.sha256}`).join('')}`
        return `${head}  would install to ${r.path}\n    from ${r.fetchFrom}\n    sha256 ${r.sha256}`
      case 'failed':
        return `${head}  FAILED (${r.error?.code})`
    }
  })
  writeOut(`${lines.join('\n')}\n`)
}
