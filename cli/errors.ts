/** An error the user can act on: printed as `error: message`, exit code 1, no stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** A 409 on a write the plan guarded with a version: the server moved on since the plan. */
export class PlanConflictError extends CliError {}
