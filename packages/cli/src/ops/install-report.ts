import type { InstallReport, InstallReportItem } from '@runner-features/engine/fast'
import { formatBytes, printJson, writeOut } from '../output.js'

/** System-package installs record their source as `<manager or family>:<pkg>,<pkg>` instead of a URL. */
function isSystem(r: InstallReportItem): boolean {
  return !!r.sourceUrl && !/^[a-z]+:\/\//.test(r.sourceUrl) && r.sourceUrl.includes(':')
}

function packagesOf(r: InstallReportItem): string {
  return r.sourceUrl!.slice(r.sourceUrl!.indexOf(':') + 1).split(',').join(', ')
}

/** The engine's install report as text (one line per feature), or as `--json`. */
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
