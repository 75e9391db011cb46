/**
 * The one error vocabulary of Support Central, shared by the server (HTTP and socket acks) and the browser.
 * A code is stable once published: clients branch on it. Messages are for people and may change.
 */
export const ERROR_CATALOGUE = {
  // 400
  bad_request: { status: 400, message: 'The request could not be understood.' },
  validation_failed: { status: 400, message: 'Some fields are not valid.' },
  invalid_json: { status: 400, message: 'The request body is not valid JSON.' },
  token_invalid: { status: 400, message: 'This link is invalid, expired or already used.' },
  sequence_invalid: { status: 400, message: 'That sequence number is not valid for this conversation.' },
  // Attachments: each refusal names its reason, shown next to the file.
  too_many_files: { status: 400, message: 'Too many files for one message.' },
  file_name_invalid: { status: 400, message: 'This file has no usable name.' },
  no_files: { status: 400, message: 'Choose at least one file to upload.' },
  upload_incomplete: { status: 400, message: 'The upload was interrupted before it finished; please try again.' },
  // 401 / 403
  unauthenticated: { status: 401, message: 'Please sign in first.' },
  invalid_credentials: { status: 401, message: 'Wrong username/e-mail or password.' },
  forbidden: { status: 403, message: 'You are not allowed to do that.' },
  csrf_failed: { status: 403, message: 'The request came from another site and was refused.' },
  self_action_refused: { status: 403, message: 'You cannot do that to your own account.' },
  // The embeddable widget's identity tokens (signed by the host site; docs/widget.md).
  identity_invalid: {
    status: 401,
    message: 'The identity token is not valid for this site: check the signature, the secret and the claims.',
  },
  identity_expired: { status: 401, message: 'The identity token has expired: sign a fresh one.' },
  insufficient_scope: { status: 403, message: 'This API token does not have the scope this endpoint needs.' },
  api_token_not_accepted: {
    status: 403,
    message: 'API tokens cannot be used on this endpoint; it needs a signed-in session.',
  },
  two_factor_code_invalid: {
    status: 401,
    message: 'That code is not right, has expired, or was already used.',
  },
  two_factor_enrolment_required: {
    status: 403,
    message: 'Admins must set up two-factor sign-in before anything else.',
  },
  sign_in_required: { status: 403, message: 'This conversation belongs to an account: sign in to continue it.' },
  // 404 / 405 / 409
  not_found: { status: 404, message: 'Not found.' },
  route_not_found: { status: 404, message: 'There is no such endpoint.' },
  method_not_allowed: { status: 405, message: 'That method is not allowed here.' },
  conflict: { status: 409, message: 'That conflicts with the current state.' },
  already_exists: { status: 409, message: 'An account with these details already exists.' },
  conversation_already_open: { status: 409, message: 'You already have an open conversation.' },
  conversation_closed: { status: 409, message: 'This conversation is closed.' },
  duplicate_client_id: { status: 409, message: 'A different message was already sent with this client id.' },
  not_a_participant: { status: 403, message: 'Join the conversation before writing in it.' },
  not_in_team: {
    status: 403,
    message: 'This conversation waits in another team’s queue: one of its members or an admin can pick it up.',
  },
  last_admin: { status: 409, message: 'The last active admin cannot be removed or deactivated.' },
  mail_not_configured: { status: 409, message: 'E-mail is not set up on this server; please ask an administrator.' },
  attachment_in_use: { status: 409, message: 'This file is already attached to another message.' },
  webhook_target_refused: {
    status: 400,
    message: 'This address is not a public one; allow private network targets for this endpoint to use it.',
  },
  two_factor_already_enabled: { status: 409, message: 'Two-factor sign-in is already on; turn it off first.' },
  two_factor_not_enabled: { status: 409, message: 'Two-factor sign-in is not on for this account.' },
  contact_is_customer: {
    status: 409,
    message: 'This visitor signed in as a customer: export or erase the customer account instead.',
  },
  override_exists: { status: 409, message: 'That date already has an override; change or delete it instead.' },
  // The desk's tools (labels, snooze, satisfaction ratings)
  snooze_not_allowed: { status: 409, message: 'Only an active conversation can be snoozed.' },
  csat_not_open: { status: 409, message: 'This conversation cannot be rated: it has not ended, or ratings are off.' },
  csat_locked: { status: 409, message: 'This rating can no longer be changed.' },
  // 413 / 415 / 429
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  file_too_large: { status: 413, message: 'This file is too large.' },
  message_too_large: { status: 413, message: 'These files are too large together for one message.' },
  image_too_large: { status: 413, message: 'This image has too many pixels.' },
  unsupported_media_type: { status: 415, message: 'That content type is not accepted here.' },
  file_type_not_allowed: { status: 415, message: 'Files of this type are not accepted.' },
  file_type_mismatch: { status: 415, message: 'This file’s content does not match its extension.' },
  rate_limited: { status: 429, message: 'Too many requests; please wait a moment.' },
  // Sockets only: sent (as app:error) just before the server disconnects a socket that ignored rate_limited.
  socket_flooding: {
    status: 429,
    message:
      'This connection kept sending after being asked to slow down and was closed; wait a moment, then reconnect.',
  },
  // 5xx: the retryable ones say so, clients may try again after Retry-After
  internal_error: { status: 500, message: 'Something went wrong on our side.' },
  // Stored content failed authentication or its key is gone: a server-side integrity fault, not retryable,
  // and never disguised as a 404 (that would hide tampering). The reason stays in the server's log.
  decryption_failed: { status: 500, message: 'This content cannot be decrypted.' },
  database_unavailable: {
    status: 503,
    message: 'The service is temporarily unavailable; please retry.',
    retryable: true,
  },
  service_unavailable: {
    status: 503,
    message: 'The service is temporarily unavailable; please retry.',
    retryable: true,
  },
} as const satisfies Record<string, { status: number; message: string; retryable?: boolean }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The one wire shape for errors over HTTP and in socket acknowledgements. */
export interface ErrorBody {
  error: { code: ErrorCode | (string & {}); message: string; details?: unknown };
}

/** A failure the caller can act on. Services throw these; the edges turn them into ErrorBody. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly details?: unknown,
  ) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = 'AppError';
    this.status = ERROR_CATALOGUE[code].status;
  }

  get isRetryable(): boolean {
    return 'retryable' in ERROR_CATALOGUE[this.code];
  }

  toBody(): ErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details === undefined ? {} : { details: this.details }),
      },
    };
  }
}

/** Field-level problems, as carried in `details.fields` of validation_failed. */
export interface FieldProblem {
  path: string;
  message: string;
  /** A stable per-field code where the rule has one (message_too_long, name_reserved, file_type_mismatch…). */
  code?: string;
}
