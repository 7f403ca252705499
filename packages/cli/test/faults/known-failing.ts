/**
 * Scenarios that fail because of a product bug not fixed yet, with the cause. They still run and
 * are reported (`KNOWN` in the report, counted apart in the summary line) but do not fail the
 * suite; one that starts passing fails it until it is removed from here, so the list cannot rot.
 */
export const KNOWN_FAILING: Record<string, string> = {
  'net: Content-Length too long once → retried':
    'the resume after the short body asks Range: bytes=435- of a 435-byte file; the 416 answer ends the install as DOWNLOAD_FAILED instead of restarting from byte 0 (installer/src/http.ts)',
  'net: Node tarball Content-Length too long once → retried':
    'the resumed response reports another total size than the lying first Content-Length; the install ends as DOWNLOAD_FAILED "the file changed on the server" instead of restarting from byte 0 with the attempts left (installer/src/http.ts)',
  'disk full: download cache on a 24 MiB tmpfs, Node install → DISK_FULL, nothing left':
    'ENOSPC while writing the partial download is reported as DOWNLOAD_FAILED "the download broke off … ENOSPC" with a network hint instead of DISK_FULL (installer/src/http.ts / fetch-verified.ts)',
}
