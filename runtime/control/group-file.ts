/**
 * Group lookup for the control socket's owner group. Node has no getgrnam; the station's groups are
 * local ones made by the installer (docs/security.md), so /etc/group is read. Pure parsing here.
 */

/** The numeric id of group `name` in group(5) text, or undefined when it is not listed. */
export function gidOfGroup(groupFileText: string, name: string): number | undefined {
  for (const line of groupFileText.split('\n')) {
    const [groupName, , gidText] = line.split(':')
    if (groupName !== name || gidText === undefined || !/^\d+$/.test(gidText)) continue
    return Number(gidText)
  }
  return undefined
}
