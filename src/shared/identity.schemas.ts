/**
 * Input schemas for accounts and sign-in, shared by the server (validation) and the browser (form hints).
 * Strict objects: unknown keys are refused; wrong types (objects or arrays where strings belong) are refused.
 */
import { z } from 'zod';

export const STAFF_ROLES = ['agent', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/**
 * Usernames: 3–32 of a–z, 0–9, ".", "_" and "-" after NFKC normalisation (so "ａｄｍｉｎ" is "admin"), compared
 * case-insensitively. Restricting the alphabet makes look-alike usernames (Cyrillic "аdmin") impossible.
 */
export const usernameSchema = z
  .string()
  .max(200, 'must be at most 32 characters')
  .transform((v) => v.normalize('NFKC').trim())
  .pipe(
    z
      .string()
      .min(3, 'must be at least 3 characters')
      .max(32, 'must be at most 32 characters')
      .regex(/^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/, 'may contain only letters a–z, digits, ".", "_" and "-"'),
  );

export const emailSchema = z
  .string()
  .max(254, 'must be at most 254 characters')
  .transform((v) => v.trim())
  .pipe(z.email('must be a valid e-mail address'));

/** Length only; the server also refuses common passwords and passwords equal to the username or e-mail. */
export const newPasswordSchema = z
  .string()
  .min(10, 'must be at least 10 characters')
  .max(256, 'must be at most 256 characters');

/** A password being presented (sign-in): any string up to the maximum. */
export const passwordSchema = z.string().min(1, 'is required').max(256, 'must be at most 256 characters');

const nameSchema = (label: string, max = 100) =>
  z
    .string()
    .max(max * 4)
    .transform((v) => v.normalize('NFC').trim().replace(/\s+/g, ' '))
    .pipe(z.string().min(1, `${label} is required`).max(max, `must be at most ${max} characters`));

export const customerDisplayNameSchema = z
  .string()
  .max(400)
  .transform((v) => v.normalize('NFC').trim().replace(/\s+/g, ' '))
  .pipe(z.string().min(2, 'must be at least 2 characters').max(100, 'must be at most 100 characters'));

export const registerSchema = z
  .strictObject({
    email: emailSchema,
    username: usernameSchema,
    displayName: customerDisplayNameSchema,
    password: newPasswordSchema,
    passwordConfirmation: z.string().max(256),
  })
  .refine((v) => v.password === v.passwordConfirmation, {
    path: ['passwordConfirmation'],
    message: 'does not match the password',
  });

export const loginSchema = z.strictObject({
  /** E-mail address or username. */
  login: z.string().trim().min(1, 'is required').max(254, 'must be at most 254 characters'),
  password: passwordSchema,
});

export const changePasswordSchema = z
  .strictObject({
    currentPassword: passwordSchema,
    newPassword: newPasswordSchema,
    newPasswordConfirmation: z.string().max(256),
  })
  .refine((v) => v.newPassword === v.newPasswordConfirmation, {
    path: ['newPasswordConfirmation'],
    message: 'does not match the new password',
  });

export const departmentsSchema = z
  .array(z.string().trim().min(1).max(60))
  .max(20)
  .transform((list) => [...new Set(list)]);

export const staffCreateSchema = z.strictObject({
  role: z.enum(STAFF_ROLES),
  username: usernameSchema,
  email: emailSchema,
  firstName: nameSchema('First name', 60),
  lastName: nameSchema('Last name', 60),
  jobTitle: z.string().trim().max(80).default(''),
  departments: departmentsSchema.default([]),
  password: newPasswordSchema,
});

export const staffUpdateSchema = z
  .strictObject({
    role: z.enum(STAFF_ROLES).optional(),
    email: emailSchema.optional(),
    firstName: nameSchema('First name', 60).optional(),
    lastName: nameSchema('Last name', 60).optional(),
    jobTitle: z.string().trim().max(80).optional(),
    departments: departmentsSchema.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: 'nothing to change' });

export const adminResetPasswordSchema = z.strictObject({ newPassword: newPasswordSchema });

export const passwordResetRequestSchema = z.strictObject({ email: emailSchema });

export const passwordResetConfirmSchema = z
  .strictObject({
    token: z.string().min(20).max(200),
    newPassword: newPasswordSchema,
    newPasswordConfirmation: z.string().max(256),
  })
  .refine((v) => v.newPassword === v.newPasswordConfirmation, {
    path: ['newPasswordConfirmation'],
    message: 'does not match the new password',
  });

export const customerUpdateSchema = z.strictObject({ displayName: customerDisplayNameSchema });

/** The wire shape of the signed-in person, as `GET …/me` returns it. */
export interface MeResponse {
  kind: 'visitor' | 'customer' | 'staff';
  id: string;
  role?: 'customer' | 'agent' | 'admin';
  username?: string;
  email?: string;
  displayName: string;
  firstName?: string;
  lastName?: string;
  jobTitle?: string;
  departments?: string[];
  emailVerified?: boolean;
}
