import { XMLParser } from 'fast-xml-parser'
import { RunnerError, type RemoteVersion } from '@runner-features/kit'

/** A release tag PowerShell publishes: `v7.4.6`, `v7.5.0-preview.5`, `v7.2.0-rc.1`. */
const TAG_RE = /^v(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)$/

/** One `<entry>` of a GitHub `releases.atom` feed, as fast-xml-parser gives it back. */
interface AtomEntry {
  id?: unknown
  updated?: unknown
  title?: unknown
  link?: unknown
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // Entries and links repeat; with one entry the parser would otherwise hand back an object.
  isArray: (name) => name === 'entry' || name === 'link',
  // The feed's HTML release notes are not needed and can be large: keep them as opaque text.
  stopNodes: ['feed.entry.content'],
  // No entity expansion: tags and dates never need it, and a DOCTYPE cannot inflate the document.
  processEntities: false,
})

/** Text content of a parsed node (a plain string, or `#text` when the element had attributes). */
function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node.trim()
  if (node && typeof node === 'object' && '#text' in node) return String((node as { '#text': unknown })['#text']).trim()
  return undefined
}

/**
 * The release tag of an entry: the last path segment of its id
 * (`tag:github.com,2008:Repository/49609581/v7.4.6`), else of its `rel="alternate"` link
 * (`https://github.com/PowerShell/PowerShell/releases/tag/v7.4.6`).
 */
function tagOf(entry: AtomEntry): string | undefined {
  const id = textOf(entry.id)
  if (id?.startsWith('tag:github.com,2008:Repository/')) return id.slice(id.lastIndexOf('/') + 1)
  const links = Array.isArray(entry.link) ? (entry.link as Array<Record<string, unknown>>) : []
  const alternate = links.find((l) => l['@_rel'] === 'alternate' || l['@_rel'] === undefined)
  const href = typeof alternate?.['@_href'] === 'string' ? alternate['@_href'] : undefined
  const marker = '/releases/tag/'
  return href?.includes(marker) ? decodeURIComponent(href.slice(href.lastIndexOf(marker) + marker.length)) : undefined
}

/**
 * Versions from a GitHub `releases.atom` feed (newest first as GitHub serves it; order is not
 * relied on). Tags that are not `v<semver>` are skipped (PowerShell has none today, but a feed is
 * not a contract). A document that is not an Atom feed is `UPSTREAM_FORMAT`: a mirror serving an
 * HTML error page must not read as "no releases".
 */
export function parseReleasesAtom(xml: string, source: string): RemoteVersion[] {
  let doc: unknown
  try {
    doc = parser.parse(xml, true)
  } catch (err) {
    throw new RunnerError('UPSTREAM_FORMAT', `not well-formed XML: ${(err as Error).message.slice(0, 200)}`, { where: source, hint: 'the mirror may serve an HTML error page instead of the feed; check its URL', cause: err })
  }
  const feed = (doc as { feed?: unknown } | undefined)?.feed
  if (!feed || typeof feed !== 'object' || (feed as Record<string, unknown>)['@_xmlns'] !== 'http://www.w3.org/2005/Atom') {
    throw new RunnerError('UPSTREAM_FORMAT', 'the document is not an Atom feed (no <feed xmlns="http://www.w3.org/2005/Atom">)', { where: source, hint: 'serve GitHub\'s releases.atom unchanged at <mirror>/releases.atom' })
  }
  const entries = ((feed as { entry?: AtomEntry[] }).entry ?? [])
  const out: RemoteVersion[] = []
  const seen = new Set<string>()
  for (const entry of entries) {
    const m = TAG_RE.exec(tagOf(entry) ?? '')
    if (!m || seen.has(m[1]!)) continue
    seen.add(m[1]!)
    const updated = textOf(entry.updated)
    out.push(updated ? { version: m[1]!, date: updated.slice(0, 10) } : { version: m[1]! })
  }
  return out
}
