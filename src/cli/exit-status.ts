/** A command's result is a process exit status other than 0 (e.g. qemu's, for `run`); not an error to print. */
export class ExitStatus extends Error {
  constructor(readonly code: number) {
    super(`exit status ${code}`);
    this.name = 'ExitStatus';
  }
}
