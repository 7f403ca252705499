import type { RunnerError } from '@runner-features/core'

/** One line of an install report: the same shape for the fast no-op path, installs and plans. */
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

/** What `install` returns, printed as text or as `--json` (one shape for every route). */
export interface InstallReport {
  schemaVersion: 1
  dryRun: boolean
  results: InstallReportItem[]
  /** Network requests made by this run (0 for a no-op re-install). */
  requests: number
}

/** A team-config install adds where the config and lock were and the plan's order and groups. */
export interface ConfigInstallReport extends InstallReport {
  config: string
  lockfile: { path: string; used: boolean; written: boolean }
  order: string[]
  groups: string[][]
  warnings: string[]
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

/** A failed line carrying the error's code, message, where and hint. */
export function failedItem(item: Pick<InstallReportItem, 'id' | 'spec' | 'version'> & Partial<InstallReportItem>, e: RunnerError): InstallReportItem {
  return { ...item, status: 'failed', error: { code: e.code, message: e.message, where: e.where, hint: e.hint } }
}
