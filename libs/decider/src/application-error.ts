/**
 * An error the HTTP edge answers with a 4xx of its own: domain rules (404, 409, 400) and
 * concurrency conflicts (409). `details` goes to the client as is: never put secrets in it.
 * Here, beside the deciders, so that domain code refuses a command without loading the platform.
 */
export abstract class ApplicationError extends Error {
  abstract readonly status: number;

  constructor(
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
