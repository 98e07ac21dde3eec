/** A problem with one field of the input: `path` is where it is, e.g. "config.hosts.0.port". */
export interface FieldIssue {
  path: string;
  message: string;
}
