// The first step of `npm run build`: dist/ starts empty, so a module that was moved or deleted in
// the sources leaves no stale compiled copy behind for a later import or for `npm pack` to ship.
// tsc here is not incremental, so nothing is lost by starting over.
import { rmSync } from 'node:fs'

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true })
