/**
 * Every failure the engine reports is an FmfError. `kind` names the class the
 * reference Python fmf (or atex) raises for the same input, so callers and the
 * conformance tests can tell failures apart without parsing messages.
 */
export type FmfErrorKind =
  | 'GeneralError'
  | 'FormatError'
  | 'FileError'
  | 'RootError'
  | 'FilterError'
  | 'MergeError'
  | 'ReferenceError'
  | 'FetchError'
  | 'InvalidRule'
  | 'CannotDecide'
  // Python built-in exceptions the reference lets escape on malformed input.
  | 'TypeError'
  | 'AttributeError'
  | 'UnicodeDecodeError'
  | 'FileNotFoundError'
  | 'RegexError'
  | 'ValueError'
  | 'IndexError';

const parentKind: Partial<Record<FmfErrorKind, FmfErrorKind>> = {
  FormatError: 'GeneralError',
  FileError: 'GeneralError',
  RootError: 'FileError',
  FilterError: 'GeneralError',
  MergeError: 'GeneralError',
  ReferenceError: 'GeneralError',
  FetchError: 'GeneralError',
};

export class FmfError extends Error {
  constructor(
    readonly kind: FmfErrorKind,
    message: string,
  ) {
    super(message);
    this.name = `FmfError(${kind})`;
  }

  /** Whether this error is `kind` or one of its subclasses in the reference hierarchy. */
  is(kind: FmfErrorKind): boolean {
    for (let current: FmfErrorKind | undefined = this.kind; current; current = parentKind[current]) {
      if (current === kind) return true;
    }
    return false;
  }
}
