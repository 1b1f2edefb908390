/**
 * The IAM Identity Center double's directory: who can sign in, which AWS
 * accounts and permission sets (roles) each is assigned, and the hosts it is
 * served on. The users and assignments are fixed seeds (a rehearsal has
 * nothing to administer); clients, device authorisations and tokens live in
 * memory only (see oidc.ts), as a restart of the embedded cloud ends every
 * session anyway.
 */
import { HOLDER_ACCOUNTS } from '../kms/state';

/** OIDC (RegisterClient, StartDeviceAuthorization, CreateToken) and the device approval page. */
export const OIDC_HOST = 'oidc.rehearsal.localhost';
/** The access portal API (GetRoleCredentials, ListAccounts, ListAccountRoles, Logout) and the start page. */
export const PORTAL_HOST = 'sso-portal.rehearsal.localhost';
/** Identity Center's home Region in the rehearsal (the SDK signs nothing here; it only picks the endpoint). */
export const SSO_REGION = 'eu-west-2';

/** AWS: a device code is valid for 10 minutes. */
export const DEVICE_CODE_LIFETIME_S = 600;
/** AWS: a registered public client's secret expires after 90 days. */
export const CLIENT_LIFETIME_S = 90 * 24 * 3600;

export interface SsoAssignment {
  accountId: string;
  accountName: string;
  /** The permission set's name: what ListAccountRoles calls roleName. */
  roleName: string;
  /** What the role's identity policy allows (patterns of KMS actions). */
  allows: string[];
}

export interface SsoUser {
  userName: string;
  displayName: string;
  email: string;
  assignments: SsoAssignment[];
}

export const SSO_USERS: readonly SsoUser[] = [
  {
    userName: 'alice',
    displayName: 'Alice (key holder 1)',
    email: 'alice@holder1.example',
    assignments: [
      { accountId: HOLDER_ACCOUNTS[0], accountName: 'Key holder 1 rehearsal account', roleName: 'KeyHolderKmsAdmin', allows: ['kms:*'] },
      { accountId: HOLDER_ACCOUNTS[0], accountName: 'Key holder 1 rehearsal account', roleName: 'KmsReadOnly', allows: ['kms:Describe*', 'kms:List*', 'kms:Get*'] },
    ],
  },
  {
    userName: 'bob',
    displayName: 'Bob (key holder 2)',
    email: 'bob@holder2.example',
    assignments: [{ accountId: HOLDER_ACCOUNTS[1], accountName: 'Key holder 2 rehearsal account', roleName: 'KeyHolderKmsAdmin', allows: ['kms:*'] }],
  },
];

/**
 * The IAM role Identity Center provisions in the account for a permission
 * set (path aws-reserved/sso.amazonaws.com/, name AWSReservedSSO_{set}_{id}),
 * and the assumed-role session requests run as.
 */
export function reservedRole(a: SsoAssignment, userName: string): { arn: string; callerArn: string } {
  const name = `AWSReservedSSO_${a.roleName}_${a.accountId.slice(0, 8)}0a1b2c3d`;
  return {
    arn: `arn:aws:iam::${a.accountId}:role/aws-reserved/sso.amazonaws.com/${SSO_REGION}/${name}`,
    callerArn: `arn:aws:sts::${a.accountId}:assumed-role/${name}/${userName}`,
  };
}

export const startUrlOf = (port: number) => `https://${PORTAL_HOST}:${port}/start`;
