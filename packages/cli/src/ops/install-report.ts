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
  error?: { code: string; message: string; where?: string; hint?: string }
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
        return `${head}  installed at ${r.path} (${formatBytes(r.size ?? 0)}${r.fromCache ? ' from the download cache' : ''}, ${r.seconds?.toFixed(1)} s, sha256 ${r.sha256?.slice(0, 12)}…)`
      case 'would-install':
        if (isSystem(r)) return `${head}  would install ${packagesOf(r)} with ${r.fetchFrom}`
        return `${head}  would install to ${r.path}\n    from ${r.fetchFrom}\n    sha256 ${r.sha256}`
      case 'failed':
        return `${head}  FAILED (${r.error?.code})`
    }
  })
  writeOut(`${lines.join('\n')}\n`)
}
