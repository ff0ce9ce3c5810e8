/**
 * An error the HTTP edge answers with a 4xx of its own: domain rules (404, 409, 400) and
 * concurrency conflicts (409). `details` goes to the client as is: never put secrets in it.
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
