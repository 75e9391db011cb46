import type { MeResponse } from '../../shared/identity.schemas.js';
import type { UserRow } from './user.repository.js';

/** The wire shape of an account for admins (never the password hash). */
export interface UserView {
  id: string;
  role: 'customer' | 'agent' | 'admin';
  username: string;
  email: string;
  displayName: string;
  firstName: string;
  lastName: string;
  jobTitle: string;
  departments: string[];
  isActive: boolean;
  emailVerified: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

export function presentUser(row: UserRow): UserView {
  return {
    id: row.id,
    role: row.role,
    username: row.username,
    email: row.email,
    displayName: row.displayName,
    firstName: row.firstName,
    lastName: row.lastName,
    jobTitle: row.jobTitle,
    departments: JSON.parse(row.departments) as string[],
    isActive: row.isActive === 1,
    emailVerified: row.emailVerifiedAt !== null,
    lastLoginAt: row.lastLoginAt === null ? null : new Date(row.lastLoginAt).toISOString(),
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

export function presentMe(row: UserRow): MeResponse {
  const staff = row.role !== 'customer';
  return {
    kind: staff ? 'staff' : 'customer',
    id: row.id,
    role: row.role,
    username: row.username,
    email: row.email,
    displayName: row.displayName,
    ...(staff
      ? {
          firstName: row.firstName,
          lastName: row.lastName,
          jobTitle: row.jobTitle,
          departments: JSON.parse(row.departments) as string[],
        }
      : { emailVerified: row.emailVerifiedAt !== null }),
  };
}
