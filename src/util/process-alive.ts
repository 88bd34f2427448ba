// Whether a process id names a live process, for files that record their writer's pid (stale
// temporary outputs, cache locks): signal 0 checks without signalling.

export function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
