/**
 * Scenarios that fail because of a product bug not fixed yet, with the cause. They still run and
 * are reported (`KNOWN` in the report, counted apart in the summary line) but do not fail the
 * suite; one that starts passing fails it until it is removed from here, so the list cannot rot.
 */
export const KNOWN_FAILING: Record<string, string> = {
  'net: Content-Length too long once → retried':
    'the resume after the short body asks Range: bytes=435- of a 435-byte file; after the 416 (bytes */435) http/download.ts corrects its total to 435, but fetch-verified.ts:252 still compares the bytes received with the first response\'s Content-Length (opened.size = 1435) and fails DOWNLOAD_FAILED "the connection ended after 435 of 1435 bytes"',
  'net: Node tarball Content-Length too long once → retried':
    'the 206 resume reports the true total (42938796) and http/download.ts logs "continuing", but fetch-verified.ts:252 still compares with the first Content-Length (opened.size = 42942892) and fails DOWNLOAD_FAILED "the connection ended after 42938796 of 42942892 bytes"',
}
