// Typed errors: every failure a user can cause (a bad file, an unsupported op, a wrong input)
// surfaces as one of these with a message that says what was expected and where.

export class WasmposeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A model or weights file that cannot be parsed: truncated, corrupt, or not that format. */
export class ModelFormatError extends WasmposeError {
  constructor(
    message: string,
    /** Where parsing failed: a byte offset, a field path, or a line:column. */
    readonly where?: string,
  ) {
    super(where === undefined ? message : `${message} (at ${where})`);
  }
}

/** An operator (or an attribute value of one) the engine does not implement. */
export class UnsupportedOpError extends WasmposeError {}

/** Shapes that do not fit together, or sizes beyond what the engine can hold. */
export class ShapeError extends WasmposeError {}

/** A run-time input that does not match what the model expects. */
export class InputError extends WasmposeError {}

/** An image that cannot be decoded or is unreasonably large. */
export class ImageError extends WasmposeError {}

/** Weights that do not fit a network definition (missing, extra or mis-shaped tensors). */
export class WeightsError extends WasmposeError {}

/** A session (or estimator) used after dispose(). */
export class SessionDisposedError extends WasmposeError {}
