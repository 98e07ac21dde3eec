/** A CLI subcommand: gets the arguments after its name, returns the exit code. */
export type Command = (argv: string[]) => Promise<number>;

/** An expected failure: printed as one line without a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
