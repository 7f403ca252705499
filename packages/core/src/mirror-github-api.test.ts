import { expect, test } from 'vitest'
import { rebaseUrl } from './mirror.js'

// A feature that downloads from its own host but lists versions from a GitHub repository's
// releases (helm: get.helm.sh and helm/helm) gets that listing from its mirror too.
const LIST = 'https://api.github.com/repos/helm/helm/releases?per_page=100&page=1'

test('a non-GitHub upstream: a repository listing is served from <mirror>api/repos/<owner>/<name>/', () => {
  expect(rebaseUrl(LIST, 'https://get.helm.sh/', 'http://127.0.0.1:9/helm/')).toBe('http://127.0.0.1:9/helm/api/repos/helm/helm/releases?per_page=100&page=1')
  expect(rebaseUrl(LIST, 'https://get.helm.sh/', undefined)).toBe(LIST)
})

test('only repository API URLs: the rest of api.github.com still escapes the mirror', () => {
  for (const url of ['https://api.github.com/user', 'https://api.github.com/repos/helm', 'https://api.github.com.evil.example/repos/a/b/releases']) {
    expect(() => rebaseUrl(url, 'https://get.helm.sh/', 'http://m/')).toThrow(expect.objectContaining({ code: 'MIRROR_ESCAPE' }))
  }
})

test('a GitHub repository upstream still covers its own repository only', () => {
  expect(() => rebaseUrl(LIST, 'https://github.com/jqlang/jq/', 'http://m/')).toThrow(expect.objectContaining({ code: 'MIRROR_ESCAPE' }))
})
