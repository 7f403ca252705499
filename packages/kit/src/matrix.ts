// The platform matrix lives in core (the CLI's `features new` writes it into a new plugin's README
// too); authors import it from the kit.
export { platformMatrixMarkdown } from '@runner-features/core'
