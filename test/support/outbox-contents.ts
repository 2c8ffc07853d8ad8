import type { Outbox, Submission } from '../../runtime/outbox/outbox-types.js'

/**
 * Every pending submission, oldest first, read the way the drain reads them: refs through
 * `pendingFrom`, each one decrypted from disk with `read` (docs/outbox.md). Records that cannot be
 * read are set aside by `read` and so are left out here.
 */
export async function pendingSubmissions(outbox: Outbox, pageSize = 256): Promise<Submission[]> {
  const out: Submission[] = []
  let fromSeq = 0
  for (;;) {
    const refs = outbox.pendingFrom(fromSeq, pageSize)
    if (refs.length === 0) return out
    for (const ref of refs) {
      const submission = await outbox.read(ref.id)
      if (submission) out.push(submission)
    }
    fromSeq = (refs[refs.length - 1]?.seq ?? fromSeq) + 1
  }
}
