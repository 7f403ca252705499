/**
 * Credential redaction for URLs inside any text (a bare URL, a message, a `where`).
 *
 * Users paste mirror URLs with raw credentials, so a password may hold any character: `@`, `:`,
 * `%`, unicode, and even `/`, `?` or `#` (such a URL does not parse, but its text still reaches
 * the `INVALID_MIRROR` message). The rules, applied to each `scheme://` in the text:
 *
 * 1. The authority runs to the first `/`, `?`, `#` or whitespace. When it holds an `@`, everything
 *    up to its LAST `@` is userinfo (as the WHATWG URL parser reads it): `u:p@ss@host` → `***@host`.
 * 2. When it holds no `@` but a `:` followed by something that is not a port (`user:pa/ss@host`,
 *    where a raw `/` in the password cut the authority short), the text up to the last `@` before
 *    the next whitespace is userinfo. A real `host:8080/@scope/pkg` keeps its path (digits = port).
 */
export function redactUrl(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)(\S*)/gi, (_match, scheme: string, rest: string) => scheme + redactAfterScheme(rest))
}

function redactAfterScheme(rest: string): string {
  const authorityEnd = rest.search(/[/?#]/)
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd)
  const at = authority.lastIndexOf('@')
  if (at !== -1) return `***${rest.slice(at)}`
  const colon = authority.indexOf(':')
  if (colon === -1 || authority.startsWith('[')) return rest
  const afterColon = authority.slice(colon + 1)
  if (/^\d*$/.test(afterColon)) return rest
  const lastAt = rest.lastIndexOf('@')
  return lastAt === -1 ? rest : `***${rest.slice(lastAt)}`
}
